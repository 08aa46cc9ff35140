"""The legal pages of a French public service: the accessibility statement (RGAA 4.1), the
mentions légales, the personal data (RGPD) and the site map. Public, linked from every page's
footer; their variable parts are settings (`config.Defaults`: the publisher, the host, the DPO,
the accessibility contact and audit date, the retention periods)."""
