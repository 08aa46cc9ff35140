"""The main navigation, by role."""

from flask_babel import lazy_gettext as _l

from cdess.accounts.permissions import can_manage_users, is_staff
from cdess.audit.permissions import can_read_journal
from cdess.charter.permissions import can_edit_charter, can_manage_signatures
from cdess.sessions.permissions import is_member as is_council_member
from cdess.structures.permissions import can_create_structure

# (endpoint, label, who sees it)
ITEMS = (
    ("web.home", _l("Accueil"), lambda user: True),
    ("charter.show", _l("La charte"), lambda user: True),
    ("charter.signatories", _l("Signataires"), lambda user: True),
    ("certificates.registry", _l("Registre des labellisés"), lambda user: not is_staff(user)),
    ("assessments.quick", _l("Autodiagnostic"), lambda user: not is_staff(user)),
    ("structures.mine", _l("Mes structures"), can_create_structure),
    ("structures.index", _l("Structures"), is_staff),
    ("applications.queue", _l("Candidatures"), is_staff),
    ("sessions.index", _l("Séances"), is_staff),
    ("certificates.index", _l("Certificats"), is_staff),
    ("audit.journal", _l("Journal"), can_read_journal),
    ("sessions.members", _l("Espace du conseil"), is_council_member),
    ("charter.versions", _l("Édition de la charte"), can_edit_charter),
    ("charter.signatures", _l("Signatures"), can_manage_signatures),
    ("admin.users", _l("Utilisateurs"), can_manage_users),
    ("admin.colleges", _l("Collèges"), can_manage_users),
)


def navigation(user) -> list[tuple[str, str]]:
    return [(endpoint, str(label)) for endpoint, label, shown in ITEMS if shown(user)]
