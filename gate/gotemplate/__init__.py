"""Go text/template as helm runs it: a lexer (`lexer`) and a parser (`parser`) that
gate's values analysis reads charts with (gate/checks/values/reads.py)."""
