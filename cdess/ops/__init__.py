"""Operating the service: its health for the load balancer, backups and their restoration.

It stands just above `web` and knows no domain: it reads the settings and the database as
they are, so that a broken domain never stops a backup or hides a failure."""
