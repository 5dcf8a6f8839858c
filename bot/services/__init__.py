"""What a running bot uses besides the core: the knowledge it serves (and reloads), the
recorder of its questions, their store, and its configuration (built once in bot/cli.py)."""
