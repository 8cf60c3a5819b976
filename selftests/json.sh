# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# jget and json_ok for the script selftests (sourced): one python3, started
# here, answers them all, where each used to start its own (about a second
# under TCG; tool.sh asks 58 times). The caller's EXIT trap runs json_stop.
# A question is "OP LEN LEN\n", the JSON text and the expression (LEN in
# bytes); the answer "STATUS LEN\n" and its text.

coproc TP_JSON {
	exec python3 -c '
import ctypes, json, sys
ctypes.CDLL(None).prctl(1, 9)	# PR_SET_PDEATHSIG, SIGKILL: ends with us
i, o = sys.stdin.buffer, sys.stdout.buffer
while True:
	head = i.readline()
	if not head:
		break
	op, n1, n2 = head.split()
	text, expr = i.read(int(n1)).decode(), i.read(int(n2)).decode()
	try:
		j = json.loads(text)
		st, v = 0, eval(expr, {"json": json, "sys": sys, "j": j}) if op == b"get" else ""
		v = v if isinstance(v, str) else json.dumps(v)
	except Exception as e:
		st, v = 1, "%s: %s" % (type(e).__name__, e)
	v = v.encode()
	o.write(b"%d %d\n" % (st, len(v)) + v)
	o.flush()
'
}
# Plain descriptors, which subshells (a pipeline's, ( )) keep, where
# bash closes a coprocess's own.
exec {TP_JSON_W}>&"${TP_JSON[1]}" {TP_JSON_R}<&"${TP_JSON[0]}"

# json_ask OP TEXT [EXPR]: the answer on stdout; its status
json_ask() {
	local LC_ALL=C st n ans=''
	printf '%s %d %d\n%s%s' "$1" "${#2}" "${#3}" "$2" "$3" >&"$TP_JSON_W" &&
		read -r st n <&"$TP_JSON_R" || return 2
	[ "$n" -eq 0 ] || IFS= read -r -N "$n" ans <&"$TP_JSON_R"
	printf '%s\n' "$ans"
	return "$st"
}

jget() {	# jget JSON EXPR: a python expression of the parsed j (JSON if not a str)
	json_ask get "$1" "$2"
}

json_ok() {	# json_ok TEXT: TEXT is one JSON document
	json_ask ok "$1" '' >/dev/null
}

json_stop() {	# json_stop: the python3 of jget ends
	[ -n "${TP_JSON_PID:-}" ] || return 0
	kill "$TP_JSON_PID" 2>/dev/null
	wait "$TP_JSON_PID" 2>/dev/null
	return 0
}
