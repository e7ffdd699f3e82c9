# ActiveRecord 6.1 (Debian's ruby-activerecord, over ruby-pg) through
# PgBouncer in transaction mode, prepared_statements: true (the default).
#
#   ruby activerecord.rb      # run with PQSHIM_MODE=unnamed to pass
#
# 8 threads share a pool of 3 connections.  ActiveRecord names its statements
# a1, a2... per connection, and the threads start with different queries, so
# "a1" means a different SQL text on each connection: behind a transaction
# pooler they collide (42P05 / 26000 / 08P01, or another connection's a1 runs
# with our parameters).  Every value read back is checked.
#
# Exit 0: "PASS: ..."; exit 1: "FAILURE: <class> [<cause> (<SQLSTATE>)]: <message>".
require 'active_record'
require 'pg'

THREADS = 8
POOL = 3
ROUNDS = 12
TABLE = 'pqshim_ar_items'

class CheckFailed < StandardError; end

def check(cond, what)
  raise CheckFailed, what unless cond
end

def describe_error(e)
  cause = e.cause
  cause = e if cause.nil? && e.is_a?(PG::Error)
  state = cause.respond_to?(:result) && cause.result ? cause.result.error_field(PG::PG_DIAG_SQLSTATE) : nil
  first = e.message.to_s.lines.first.to_s.strip
  if cause && !cause.equal?(e)
    "#{e.class} [#{cause.class} (#{state || '-'})]: #{first}"
  else
    "#{e.class} (#{state || '-'}): #{first}"
  end
end

# The table is made straight on PostgreSQL, so setting up does not depend on
# the pooler.
def setup_table
  c = PG.connect(ENV.fetch('PQT_PG_DSN'))
  c.set_notice_processor { |_| }
  c.exec("DROP TABLE IF EXISTS #{TABLE}")
  c.exec("CREATE TABLE #{TABLE} (id bigserial PRIMARY KEY, owner integer NOT NULL, " \
         'label text NOT NULL, hits integer NOT NULL DEFAULT 0)')
  c.close
end

class Item < ActiveRecord::Base
  self.table_name = TABLE
end

# One unit of work of thread t, round i.  Each query is a prepared statement.
def op(kind, t, i, mine)
  case kind
  when :create
    it = Item.create!(owner: t, label: "t#{t}-r#{i}")
    check(it.id && it.owner == t, "create returned #{it.attributes.inspect}")
    mine << it.id
  when :find
    return if mine.empty?
    id = mine.sample
    it = Item.find(id)
    check(it.owner == t && it.label.start_with?("t#{t}-"), "thread #{t}: find(#{id}) returned #{it.attributes.inspect} (another client's row)")
  when :where
    labels = Item.where(owner: t).order(:id).pluck(:label)
    check(labels.size == mine.size, "thread #{t}: #{labels.size} rows of mine, wanted #{mine.size}")
    check(labels.all? { |l| l.start_with?("t#{t}-") }, "thread #{t}: where(owner: #{t}) returned #{labels.inspect}")
  when :exists
    check(Item.where(owner: t, label: "t#{t}-nope").exists? == false, "thread #{t}: exists? of nothing")
    check(mine.empty? || Item.where(id: mine.first, owner: t).exists?, "thread #{t}: exists? of my row")
  when :update
    return if mine.empty?
    n = Item.where(id: mine.last, owner: t).update_all('hits = hits + 1')
    check(n == 1, "thread #{t}: update_all touched #{n} rows")
  when :find_by
    return if mine.empty?
    it = Item.find_by(label: "t#{t}-r#{i > 0 ? i - 1 : 0}")
    check(it && it.owner == t, "thread #{t}: find_by(label) returned #{it&.attributes.inspect} (another client's row)")
  when :ids
    ids = Item.where(owner: t).pluck(:id)
    check(ids.sort == mine.sort, "thread #{t}: pluck(:id) returned #{ids.sort.inspect}, wanted #{mine.sort.inspect}")
  when :count
    n = Item.where(owner: t).count
    check(n == mine.size, "thread #{t}: count #{n}, wanted #{mine.size}")
  end
end

KINDS = %i[create find where find_by exists ids update count].freeze

begin
  setup_table
  ActiveRecord::Base.establish_connection(
    adapter: 'postgresql', host: '127.0.0.1', port: Integer(ENV.fetch('PQT_BOUNCER_TX_PORT')),
    database: 'postgres', username: 'postgres', pool: POOL, checkout_timeout: 30,
    advisory_locks: false
  )
  ActiveRecord::Base.logger = nil
  check(ActiveRecord::Base.connection.prepared_statements, 'prepared_statements is on')
  ActiveRecord::Base.connection_pool.disconnect!

  errors = Queue.new
  ths = (1..THREADS).map do |t|
    Thread.new do
      mine = []
      # threads start at different queries: a1 is another SQL text on each connection
      kinds = KINDS.rotate(t % KINDS.size)
      ROUNDS.times do |i|
        kinds.each do |k|
          ActiveRecord::Base.connection_pool.with_connection { op(k, t, i, mine) }
        end
      end
      ActiveRecord::Base.connection_pool.with_connection do
        check(Item.where(owner: t).count == ROUNDS, "thread #{t}: final count")
      end
    rescue StandardError => e
      errors << e
    end
  end
  ths.each(&:join)
  raise errors.pop unless errors.empty?

  total = ActiveRecord::Base.connection_pool.with_connection { Item.count }
  check(total == THREADS * ROUNDS, "#{total} rows in all, wanted #{THREADS * ROUNDS}")
  names = ActiveRecord::Base.connection_pool.with_connection do |c|
    c.instance_variable_get(:@statements)&.length
  end
  ActiveRecord::Base.connection_pool.disconnect!
  puts "PASS: ActiveRecord #{ActiveRecord::VERSION::STRING}, #{THREADS} threads on a pool of #{POOL}, " \
       "#{THREADS * ROUNDS * KINDS.size} operations, #{total} rows checked (one connection holds #{names.inspect} statements)"
rescue StandardError => e
  puts "FAILURE: #{describe_error(e)}"
  exit 1
end
