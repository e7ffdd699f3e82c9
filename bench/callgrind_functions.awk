# Reads a callgrind output file (Ir only) and prints, per function and object,
#   self_Ir_per_call <TAB> calls_per_call <TAB> function <TAB> object
# where "per call" divides by n (awk -v n=CALLS). Self cost is the cost of the
# function's own lines (inlined code included); calls are counted from the
# calls= lines of every caller. Used by bench/run.sh; callgrind_annotate's
# caller tree omits some callers when inlined files are involved.
function name(s, map,    id, rest) {
	if (match(s, /^\([0-9]+\)/)) {
		id = substr(s, 2, RLENGTH - 2)
		rest = substr(s, RLENGTH + 2)
		if (rest != "")
			map[id] = rest
		return map[id]
	}
	return s
}
/^ob=/ { ob = name(substr($0, 4), OB); cob = ob; next }
/^fn=/ { fn = name(substr($0, 4), FN); cob = ob; skip = 0; next }
/^cob=/ { cob = name(substr($0, 5), OB); next }
/^cfn=/ { cfn = name(substr($0, 5), FN); next }
/^calls=/ {
	split(substr($0, 7), a, " ")
	calls[cob SUBSEP cfn] += a[1]
	seen[cob SUBSEP cfn] = 1
	skip = 1 # the next cost line is the call's inclusive cost
	next
}
/^[0-9+*-]/ {
	if (skip) {
		skip = 0
		cob = ob
		next
	}
	self[ob SUBSEP fn] += $2
	seen[ob SUBSEP fn] = 1
	next
}
END {
	for (k in seen) {
		split(k, p, SUBSEP)
		obj = p[1]
		sub(/.*\//, "", obj)
		printf "%.1f\t%.2f\t%s\t%s\n", self[k] / n, calls[k] / n, p[2], obj
	}
}
