import sys

try:
    from .cli import main

    status = main()
except KeyboardInterrupt:           # during the imports, before main() handles it
    print("fastpen: interrupted", file=sys.stderr)
    status = 130
sys.exit(status)
