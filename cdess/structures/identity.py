"""Identity checks of a structure: SIREN, SIRET, RNA and legal form → ESS family. Pure code."""

import re

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from cdess.labels import N_
from cdess.structures.models import Family

# INSEE catégories juridiques (niveau III) that ESS structures use. None: the code alone
# cannot tell the family (a SCIC has no code of its own), so the applicant declares it.
LEGAL_FORMS: dict[str, tuple[str, Family | None]] = {
    "9210": ("Association non déclarée", Family.association),
    "9220": ("Association déclarée", Family.association),
    "9221": ("Association déclarée d'insertion par l'économique", Family.association),
    "9222": ("Association intermédiaire", Family.association),
    "9223": ("Groupement d'employeurs", Family.association),
    "9230": ("Association déclarée, reconnue d'utilité publique", Family.association),
    "9260": ("Association de droit local (Bas-Rhin, Haut-Rhin, Moselle)", Family.association),
    "9300": ("Fondation", Family.fondation),
    "8210": ("Mutuelle", Family.mutuelle),
    "8250": ("Assurance mutuelle agricole", Family.mutuelle),
    "8290": ("Autre organisme mutualiste", Family.mutuelle),
    "5458": ("SCOP à conseil d'administration", Family.cooperative),
    "5558": ("SCOP à directoire", Family.cooperative),
    "5658": ("SCOP (autre forme)", Family.cooperative),
    "6317": ("Société coopérative agricole", Family.cooperative),
    "6316": ("Coopérative d'utilisation de matériel agricole en commun (CUMA)", Family.cooperative),
    "5460": ("Autre SA coopérative à conseil d'administration", None),
    "5560": ("Autre SA coopérative à directoire", None),
    "5710": ("Société par actions simplifiée (SAS)", None),
    "5499": ("Société à responsabilité limitée (SARL)", None),
    "5599": ("Société anonyme à conseil d'administration", None),
}


RNA_PATTERN = re.compile(r"^W[0-9A-Z]{9}$")


def compact(value: str | None) -> str:
    """Remove spaces, dots and dashes people type in identifiers; upper case."""
    return re.sub(r"[\s.\-]", "", value or "").upper()


def siret_error(value: str) -> str | None:
    """None if the SIRET is valid (Luhn, or La Poste's rule for SIREN 356000000)."""
    try:
        stdnum_siret.validate(value)
    except StdnumError:
        if not value.isdigit() or len(value) != 14:
            return N_("Un SIRET compte 14 chiffres.")
        return N_("Ce SIRET n'est pas valide : vérifiez les chiffres (clé de contrôle incorrecte).")
    return None


def siren_error(value: str) -> str | None:
    try:
        stdnum_siren.validate(value)
    except StdnumError:
        if not value.isdigit() or len(value) != 9:
            return N_("Un SIREN compte 9 chiffres.")
        return N_("Ce SIREN n'est pas valide : vérifiez les chiffres (clé de contrôle incorrecte).")
    return None


def rna_error(value: str) -> str | None:
    if not RNA_PATTERN.match(value):
        return N_("Un numéro RNA s'écrit W suivi de 9 caractères, par exemple W623001234.")
    return None


def family_of(legal_form: str) -> Family | None:
    """The ESS family a legal form implies, or None when it must be declared."""
    entry = LEGAL_FORMS.get(legal_form)
    return entry[1] if entry else None
