"""What every cloudcore process shares, API to compute node: messaging, logging and metrics, power
states, queue and service names. Plain Python: it imports nothing of Django and nothing else of
cloudcore, so the compute worker and the drivers can use it as freely as the control plane."""
