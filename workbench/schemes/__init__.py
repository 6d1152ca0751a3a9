"""The schemes (peer mentoring, PASS, study and social groups), one package each, and their registry."""
