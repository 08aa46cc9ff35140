"""Personal-data rights (RGPD) across the domains: a person's data gathered from every domain
(export), the erasure of an account with what the domains must refuse or let go of first, and
the retention periods (`flask retention`). It reads every domain below it, as the dashboard
does; its pages are the accounts' (`accounts.my_data`, `accounts.my_data_json`,
`accounts.delete_account`) and the administration's (`views`, added to those blueprints)."""
