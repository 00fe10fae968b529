"""The lab's commands: `station sim ...` (one device) and `station simulate` (the whole station, a fleet)."""
