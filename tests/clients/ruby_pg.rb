# ruby-pg 1.4 (Debian's ruby-pg) against PostgreSQL and PgBouncer.
#
#   ruby ruby_pg.rb unnamed   # through PgBouncer transaction mode: run with PQSHIM_MODE=unnamed
#   ruby ruby_pg.rb dedupe    # straight to PostgreSQL, re-prepares: run in dedupe mode (default)
#
# ruby-pg 1.4 maps prepare / exec_prepared / describe_prepared to its async
# versions (PQsendPrepare, PQsendQueryPrepared, PQsendDescribePrepared +
# PQgetResult); sync_* use the blocking libpq calls; both are exercised, and so
# is the pipeline API.
#
# Exit 0: every check passed (last line "PASS: ...").  Exit 1: a check failed
# or the server raised (line "FAILURE: <class> (<SQLSTATE>): <message>").
require 'pg'

$checks = 0

class CheckFailed < StandardError; end

def check(cond, what)
  raise CheckFailed, what unless cond
  $checks += 1
end

def sqlstate(e)
  e.respond_to?(:result) && e.result ? e.result.error_field(PG::PG_DIAG_SQLSTATE) : nil
end

def fail_with(e)
  first = e.message.to_s.lines.first.to_s.strip
  puts "FAILURE: #{e.class} (#{sqlstate(e) || '-'}): #{first}"
  exit 1
end

def connect(dsn)
  PG.connect(dsn)
end

# Two connections through a pool-size-1 PgBouncer share one server
# connection: both prepare "s" with different texts (and result shapes) and
# interleave.  Without the shim the second prepare gets 42P05, and (if it
# were ignored) each would then run the other's statement.
def interleaved(dsn)
  c1 = connect(dsn)
  c2 = connect(dsn)
  flavours = {
    'async' => %i[prepare exec_prepared describe_prepared],
    'sync'  => %i[sync_prepare sync_exec_prepared sync_describe_prepared],
  }
  flavours.each do |flavour, (prep, exec, desc)|
    name = "s_#{flavour}"
    c1.public_send(prep, name, 'select $1::int + 1000 as one')
    c2.public_send(prep, name, "select $1::int + 2000 as two, 'second'::text as tag")
    20.times do |i|
      r1 = c1.public_send(exec, name, [i])
      r2 = c2.public_send(exec, name, [i])
      check(r1.values == [[(1000 + i).to_s]], "#{flavour}: conn 1 got #{r1.values.inspect}, wanted #{1000 + i}")
      check(r2.values == [[(2000 + i).to_s, 'second']],
            "#{flavour}: conn 2 got #{r2.values.inspect}, wanted [#{2000 + i}, second]")
    end
    d1 = c1.public_send(desc, name)
    d2 = c2.public_send(desc, name)
    check(d1.nfields == 1 && d1.fname(0) == 'one' && d1.ftype(0) == 23,
          "#{flavour}: describe conn 1: #{d1.fields.inspect}")
    check(d2.nfields == 2 && d2.fields == %w[two tag] && d2.ftype(1) == 25,
          "#{flavour}: describe conn 2: #{d2.fields.inspect}")
    check(d1.nparams == 1 && d1.paramtype(0) == 23, "#{flavour}: describe conn 1 params")
    # the app prepares its own name again (it lost track of it): same text
    c1.public_send(prep, name, 'select $1::int + 1000 as one')
    check(c1.public_send(exec, name, [7]).getvalue(0, 0) == '1007', "#{flavour}: re-prepared")
  end

  # the lower-level async API, as event loops use it
  c1.send_prepare('s_send', 'select $1::text || $2::text as joined')
  r = c1.get_last_result
  check(r.result_status == PG::PGRES_COMMAND_OK, 'send_prepare')
  c2.send_prepare('s_send', 'select $2::text || $1::text as joined')
  c2.get_last_result
  10.times do |i|
    c1.send_query_prepared('s_send', ["a#{i}", 'b'])
    c2.send_query_prepared('s_send', ["a#{i}", 'b'])
    v1 = c1.get_last_result.getvalue(0, 0)
    v2 = c2.get_last_result.getvalue(0, 0)
    check(v1 == "a#{i}b", "send_query_prepared conn 1 got #{v1}")
    check(v2 == "ba#{i}", "send_query_prepared conn 2 got #{v2}")
  end

  # pipeline mode: several executes under one Sync
  [c1, c2].each_with_index do |c, k|
    c.enter_pipeline_mode
    5.times { |i| c.send_query_prepared('s_async', [i]) }
    c.pipeline_sync
    got = []
    5.times do
      res = c.get_result
      got << res.getvalue(0, 0)
      res.clear
      check(c.get_result.nil?, 'pipeline: end of command')
    end
    check(c.get_result.result_status == PG::PGRES_PIPELINE_SYNC, 'pipeline sync')
    c.exit_pipeline_mode
    base = k.zero? ? 1000 : 2000
    check(got == (0..4).map { |i| (base + i).to_s }, "pipeline conn #{k + 1} got #{got.inspect}")
  end

  # DEALLOCATE the app's name: it is gone afterwards
  c1.exec('DEALLOCATE s_sync')
  begin
    c1.exec_prepared('s_sync', [1])
    check(false, 'exec_prepared after DEALLOCATE succeeded')
  rescue PG::InvalidSqlStatementName
    $checks += 1
  end
  check(c2.exec_prepared('s_sync', [3]).getvalue(0, 0) == '2003', 'the other connection keeps its s_sync')
  c1.close
  c2.close
end

# Several threads, each with its own connection through a pool-size-2
# PgBouncer, all using the statement name "q" for texts that return their
# own constant: nobody may ever see another thread's constant.
def threads(dsn, nthreads: 4, rounds: 60)
  errors = Queue.new
  ths = (1..nthreads).map do |t|
    Thread.new do
      c = connect(dsn)
      c.prepare('q', "select $1::int + #{t * 100_000} as v, #{t} as owner")
      rounds.times do |i|
        r = c.exec_prepared('q', [i])
        want = [(t * 100_000 + i).to_s, t.to_s]
        raise CheckFailed, "thread #{t} got #{r.values.first.inspect}, wanted #{want.inspect} (another client's row)" unless r.values.first == want
        c.prepare('q', "select $1::int + #{t * 100_000} as v, #{t} as owner") if (i % 20) == 19
      end
      c.close
    rescue StandardError => e
      errors << e
    end
  end
  ths.each(&:join)
  raise errors.pop unless errors.empty?
  $checks += nthreads * rounds
end

def dedupe(dsn)
  c = connect(dsn)
  c.prepare('s', 'select $1::int + 1 as v')
  check(c.exec_prepared('s', [1]).getvalue(0, 0) == '2', 'first prepare')
  # the same name, the same text again: 42P05 without the shim
  c.prepare('s', 'select $1::int + 1 as v')
  check(c.exec_prepared('s', [2]).getvalue(0, 0) == '3', 'identical re-prepare')
  c.sync_prepare('s', 'select $1::int + 1 as v')
  check(c.sync_exec_prepared('s', [3]).getvalue(0, 0) == '4', 'identical sync re-prepare')
  # the same name, another text: from now on "s" means the new one
  c.prepare('s', "select $1::int + 100 as w, 'new'::text as t")
  check(c.exec_prepared('s', [1]).values == [%w[101 new]], 'different re-prepare')
  d = c.describe_prepared('s')
  check(d.fields == %w[w t], "describe after re-prepare: #{d.fields.inspect}")
  check(c.exec('EXECUTE s(5)').values == [%w[105 new]], 'SQL EXECUTE of the renamed statement')
  c.send_prepare('s', "select $1::int + 100 as w, 'new'::text as t")
  check(c.get_last_result.result_status == PG::PGRES_COMMAND_OK, 'send_prepare identical')
  c.exec('DEALLOCATE s')
  begin
    c.exec_prepared('s', [1])
    check(false, 'exec_prepared after DEALLOCATE succeeded')
  rescue PG::InvalidSqlStatementName
    $checks += 1
  end
  c.prepare('s', 'select $1::int * 2 as v')
  check(c.exec_prepared('s', [21]).getvalue(0, 0) == '42', 'prepare after DEALLOCATE')
  c.close
end

begin
  case ARGV[0]
  when 'unnamed'
    interleaved(ENV.fetch('PQT_BOUNCER_TX1_DSN'))
    threads(ENV.fetch('PQT_BOUNCER_TX_DSN'))
  when 'dedupe'
    dedupe(ENV.fetch('PQT_PG_DSN'))
  else
    warn 'usage: ruby_pg.rb unnamed|dedupe'
    exit 2
  end
rescue StandardError => e
  fail_with(e)
end
puts "PASS: ruby-pg #{PG::VERSION}, #{$checks} checks"
