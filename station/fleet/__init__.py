"""The command center: many stations watched together through Prometheus and Alertmanager.

- `view.py`: every station's row, built from Prometheus's HTTP API;
- `app.py`: the command-center page and the Alertmanager webhook (`station fleet serve`);
- `simulate.py`: `station simulate --stations N`, N simulated stations with a real
  Prometheus and Alertmanager watching them, and `faults.py`, the faults typed at it.
"""
