"""Email capture: each CSM's BCC/forward address and the mail received through it."""
