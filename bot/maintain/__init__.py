"""The maintainers' tools: the FAQ as a spreadsheet and back, learning from unanswered
questions, the change history with undo, and the HTML report.

Everything here edits the knowledge YAML the same way (yamledit): with ruamel.yaml's
round trip, so comments and layout stay; under a lock, re-reading the files first, so two
maintainers never lose each other's edit; validated in a copy before anything is written;
each file replaced atomically; and every change written down in the history (history).
"""
