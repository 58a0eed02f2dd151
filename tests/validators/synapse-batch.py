"""Runs Synapse's own config check (`python -m synapse.config -c ... -c ...`, i.e.
synapse.config.__main__.main) for many config-file sets in one interpreter, so a check of every
worker of a large profile costs one Synapse import instead of one per worker.

Input (argv[1]): JSON list of {"name": str, "files": [path, ...]}.
Output (stdout, last line): JSON list of {"name", "exit", "output"}; exit 0 = "Config parses OK!".
"""
import contextlib
import io
import json
import sys

from synapse.config.__main__ import main as synapse_config_main


def check(files):
    out = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            synapse_config_main(["synapse.config"] + [a for f in files for a in ("-c", f)])
        except SystemExit as e:  # main() exits 1 on a ConfigError
            code = e.code if isinstance(e.code, int) else 1
        except Exception as e:  # anything else is a failure too, with its message
            out.write("%s: %s" % (type(e).__name__, e))
            code = 2
    text = out.getvalue()
    if code == 0 and "Config parses OK!" not in text:
        code = 3
    return code, text


def run():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    results = []
    for job in jobs:
        code, text = check(job["files"])
        results.append({"name": job["name"], "exit": code, "output": text[-2000:]})
    print(json.dumps(results))


if __name__ == "__main__":
    run()
