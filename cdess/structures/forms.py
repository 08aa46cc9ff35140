from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, ValidationError

from cdess import territories
from cdess.structures import identity
from cdess.structures.models import Family
from cdess.web.forms import REQUIRED, Form, IntegerField, email_field, options


class StructureForm(Form):
    name = StringField(
        _l("Nom de la structure"),
        validators=[DataRequired(REQUIRED), Length(max=200, message=_l("200 caractères au plus."))],
        render_kw={"autocomplete": "organization"},
    )
    siret = StringField(
        _l("SIRET (14 chiffres)"),
        description=_l("Laissez vide si la structure n'a qu'un SIREN ou un numéro RNA."),
        filters=[identity.compact],
        render_kw={"inputmode": "numeric"},
    )
    siren = StringField(
        _l("SIREN (9 chiffres)"),
        description=_l("Déduit du SIRET s'il est saisi."),
        filters=[identity.compact],
        render_kw={"inputmode": "numeric"},
    )
    rna = StringField(
        _l("Numéro RNA (associations)"),
        description=_l("W suivi de 9 caractères. Les associations d'Alsace-Moselle n'en ont pas."),
        filters=[identity.compact],
    )
    legal_form = SelectField(
        _l("Forme juridique (catégorie juridique INSEE)"),
        choices=options(
            [("", _l("— Choisissez —"))]
            + [(code, f"{code} — {label}") for code, (label, _f) in identity.LEGAL_FORMS.items()]
        ),
        validators=[DataRequired(REQUIRED)],
    )
    family = SelectField(
        _l("Famille de l'ESS"),
        description=_l(
            "Obligatoire quand la forme juridique ne suffit pas (une SCIC en SAS, par exemple)."
        ),
        choices=options(
            [("", _l("Déduite de la forme juridique"))] + [(f.value, f.label) for f in Family]
        ),
    )
    address = StringField(
        _l("Adresse du siège"),
        validators=[Length(max=300, message=_l("300 caractères au plus."))],
        render_kw={"autocomplete": "street-address"},
    )
    commune = StringField(
        _l("Commune du siège"),
        description=_l("Tapez le nom ou le code postal, puis choisissez dans la liste."),
        validators=[DataRequired(REQUIRED), Length(max=120)],
        render_kw={"list": "communes", "autocomplete": "off"},
    )
    employees = IntegerField(
        _l("Nombre de salariés"),
        validators=[
            Optional(),
            NumberRange(min=0, max=1_000_000, message=_l("Saisissez un nombre positif.")),
        ],
    )
    year_founded = IntegerField(
        _l("Année de création"),
        validators=[Optional()],
    )
    website = StringField(
        _l("Site internet"),
        validators=[
            Optional(),
            Length(max=300, message=_l("300 caractères au plus.")),
            URL(require_tld=True, message=_l("Saisissez une adresse complète, https://…")),
        ],
        render_kw={"type": "url", "autocomplete": "url"},
    )

    def validate_siret(self, field):
        if field.data and (error := identity.siret_error(field.data)):
            raise ValidationError(_(error))

    def validate_siren(self, field):
        if field.data and (error := identity.siren_error(field.data)):
            raise ValidationError(_(error))
        if field.data and self.siret.data and not self.siret.data.startswith(field.data):
            raise ValidationError(_("Le SIREN doit être les 9 premiers chiffres du SIRET."))

    def validate_rna(self, field):
        if field.data and (error := identity.rna_error(field.data)):
            raise ValidationError(_(error))
        if not (field.data or self.siret.data or self.siren.data):
            raise ValidationError(_("Indiquez au moins un identifiant : SIRET, SIREN ou RNA."))

    def validate_family(self, field):
        implied = identity.family_of(self.legal_form.data or "")
        if not field.data and implied is None and self.legal_form.data:
            raise ValidationError(_("Cette forme juridique ne suffit pas : choisissez la famille."))
        if field.data and implied is not None and field.data != implied.value:
            raise ValidationError(
                _(
                    "Cette forme juridique correspond à la famille « %(family)s ».",
                    family=implied.label,
                )
            )

    def validate_commune(self, field):
        if territories.resolve(field.data) is None:
            raise ValidationError(
                _("Commune inconnue dans le département : choisissez-la dans la liste.")
            )

    def validate_website(self, field):
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError(_("Saisissez une adresse complète, https://…"))

    def validate_year_founded(self, field):
        if field.data is not None and not 1800 <= field.data <= date.today().year:
            raise ValidationError(
                _("Saisissez une année entre 1800 et %(year)s.", year=date.today().year)
            )

    @staticmethod
    def data_of(structure) -> dict:
        """The form's values for an existing structure (the model holds an enum and a code)."""
        fields = (
            "name",
            "siret",
            "siren",
            "rna",
            "legal_form",
            "address",
            "employees",
            "year_founded",
            "website",
        )
        data = {name: getattr(structure, name) for name in fields}
        data["family"] = structure.family.value
        data["commune"] = structure.commune.label if structure.commune else ""
        return data

    def identity_fields(self) -> dict:
        """The validated values, in the shape of the Structure model."""
        commune = territories.resolve(self.commune.data)
        family = self.family.data or identity.family_of(self.legal_form.data).value
        return {
            "name": self.name.data,
            "siret": self.siret.data or None,
            "siren": (self.siret.data[:9] if self.siret.data else self.siren.data) or None,
            "rna": self.rna.data or None,
            "legal_form": self.legal_form.data,
            "family": Family(family),
            "address": self.address.data or "",
            "commune_code": commune.code,
            "epci_code": commune.epci_code,
            "employees": self.employees.data,
            "year_founded": self.year_founded.data,
            "website": self.website.data or None,
        }


class AddMemberForm(Form):
    """The address of a person to invite to act for the structure."""

    email = email_field(_l("Adresse électronique de la personne à inviter"))
