"""Command line: flask --app cdess init-db | create-user | demo | backup | restore | storage |
retention …"""

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from cdess.accounts.models import Role
from cdess.accounts.permissions import is_staff
from cdess.demo.data import STRUCTURE_COUNT
from cdess.extensions import db
from cdess.jobs import services as jobs
from cdess.jobs.models import JobKind
from cdess.labels import N_


def init_db() -> None:
    """Apply every migration, then the reference data the application needs."""
    from cdess.accounts.services import ensure_default_colleges
    from cdess.charter.services import ensure_default_charter
    from cdess.credentials.services import ensure_key
    from cdess.storage import storage

    storage().prepare()  # the S3 bucket, created when missing (a clear error when unreachable)
    upgrade(directory=current_app.extensions["migrate"].directory)
    ensure_default_colleges()
    ensure_default_charter()
    ensure_key()  # the council's first signing key
    db.session.commit()


@jobs.work(JobKind.reminders, lambda job: job.kind.label, None, is_staff)
def reminders_job(job) -> None:
    """`flask reminders` as a job: the labels' reminders (each recorded once on its
    certificate), the follow-ups' calendar (each step once), the journal's head published."""
    from datetime import date

    from cdess.audit import services as audit
    from cdess.certificates.services import send_reminders
    from cdess.followups.services import run as run_followups

    day = date.fromisoformat(job.args["today"])
    jobs.step(job, total=3, message=N_("Rappels des labels arrivant à échéance."))
    sent, expired = send_reminders(day)
    jobs.step(job, done=1, message=N_("Calendrier des suivis annuels."))
    followups = run_followups(day)
    jobs.step(job, done=2, message=N_("Publication de la tête du journal."))
    head = audit.publish()
    values = {
        "sent": sent,
        "expired": expired,
        "opened": followups.opened,
        "reminded": followups.reminded,
        "overdue": followups.overdue,
        "flagged": followups.flagged,
        "count": head.count,
        "head": head.head,  # for the command line, which prints it
    }
    message = N_(
        "Rappels envoyés : %(sent)s ; labels arrivés à échéance : %(expired)s ; suivis "
        "annuels ouverts : %(opened)s ; rappels de suivi : %(reminded)s ; en retard : "
        "%(overdue)s ; signalés au secrétariat : %(flagged)s.",
        **values,
    )
    jobs.step(job, done=3, message=message)


def register_commands(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db_command():
        """Create or upgrade the database schema (migrations) and reference data."""
        from cdess.storage import StorageError

        try:
            init_db()
        except StorageError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Base de données prête : {db.engine.url.render_as_string(hide_password=True)}")
        _echo_seal()

    seal_group = AppGroup("seal", help="Le sceau électronique des certificats et procès-verbaux.")
    app.cli.add_command(seal_group)

    @seal_group.command("show")
    def seal_show_command():
        """Show the seal in use and every seal the council used (their certificates)."""
        from cryptography.hazmat.primitives.serialization import Encoding

        from cdess.web import seal

        _echo_seal()
        for certificate in seal.history():
            der = certificate.public_bytes(Encoding.DER)
            click.echo(
                f"  {seal.subject_name(certificate.subject)} — SHA-256 {seal.fingerprint(der)}, "
                f"valide du {certificate.not_valid_before_utc:%d/%m/%Y} "
                f"au {certificate.not_valid_after_utc:%d/%m/%Y}"
            )

    @seal_group.command("rotate")
    @click.option(
        "--p12",
        "path",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Le nouveau sceau (PKCS#12), ouvert avec CDESS_SEAL_PASSWORD ; sans : un nouveau "
        "sceau de développement.",
    )
    def seal_rotate_command(path):
        """Make a new seal the one in use; PDFs sealed by the former ones still verify."""
        from cdess.web import seal

        try:
            new = seal.rotate(path.read_bytes() if path else None)
        except seal.SealError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Nouveau sceau : {new.name} (SHA-256 {new.fingerprint}).")

    charter_group = AppGroup("charter", help="La charte : chargement d'un fichier.")
    app.cli.add_command(charter_group)

    @charter_group.command("load")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--draft", is_flag=True, help="Charger comme brouillon, sans publier.")
    def load_charter_command(path, draft):
        """Load a charter file (YAML) as a new version, published unless --draft. The file is
        read strictly: every problem is listed with its line, and nothing is loaded. Published
        after another version, the new one is minor or major by what it changes; a major one
        asks its signatories by email to sign it again."""
        from cdess.charter.models import VersionKind
        from cdess.charter.services import CharterError, load_file, send_resign_requests

        try:
            version = load_file(path, publish_it=not draft)
        except CharterError as error:
            db.session.rollback()
            raise click.ClickException("\n".join(error.problems)) from error
        db.session.commit()
        state = "brouillon" if draft else "publiée"
        if version.kind is not None:
            state += ", " + ("majeure" if version.kind is VersionKind.major else "mineure")
        click.echo(
            f"Charte version {version.number} chargée ({state}) : {len(version.criteria)} critères."
        )
        if version.kind is VersionKind.major:
            sent = send_resign_requests(version)
            deadline = version.resign_deadline.strftime("%d/%m/%Y")
            click.echo(f"Signataires invités à signer de nouveau avant le {deadline} : {sent}.")

    audit_group = AppGroup("audit", help="Le journal de toutes les décisions.")
    app.cli.add_command(audit_group)

    @audit_group.command("verify")
    @click.option(
        "--anchor",
        "extra",
        multiple=True,
        metavar="N:EMPREINTE",
        help="Une tête publiée gardée hors de la base : nombre d'entrées et empreinte.",
    )
    def verify_audit_command(extra):
        """Check the journal's chain against its anchors (the heads printed in minutes and
        certificates, published on /journal, or given here); exit 1 on an edited, removed
        or inserted row, or a cut end."""
        from cdess.audit import services as audit

        anchors = []
        for value in extra:
            count, _, head = value.partition(":")
            if not count.isdigit() or len(head) != 64:
                raise click.BadParameter(f"« {value} » : attendu N:EMPREINTE (64 caractères).")
            anchors.append((int(count), head.lower()))
        report = audit.verify(anchors)
        if not report.intact:
            click.echo("\n".join(report.problems), err=True)
            raise click.ClickException(f"Journal altéré : {len(report.problems)} problème(s).")
        click.echo(
            f"Journal intact : {report.count} entrée(s), {report.anchors_checked} ancre(s) "
            f"vérifiée(s), tête {report.head}."
        )

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(file_okay=False, path_type=Path))
    def backup_command(path):
        """Copy the running instance into PATH (new or empty folder): the database (SQLite's
        backup API, or pg_dump), the files it points at, and a manifest of their SHA-256."""
        from cdess.ops import backup as backups

        try:
            manifest = backups.backup(path)
        except backups.BackupError as error:
            raise click.ClickException("\n".join(error.problems)) from error
        size = sum(f["size"] for f in manifest["files"].values())
        click.echo(
            f"Sauvegarde écrite dans {path} : base {manifest['database']['kind']}, "
            f"{len(manifest['files'])} fichier(s), {size} octets."
        )
        click.echo(f"Empreinte du manifeste (à garder ailleurs) : {backups.manifest_digest(path)}")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
    def restore_command(path):
        """Put the backup in PATH into this instance, which must be empty (no table, no file),
        after checking every file against its manifest; nothing is restored on a mismatch."""
        from cdess.ops import backup as backups

        try:
            manifest = backups.restore(path)
        except backups.BackupError as error:
            raise click.ClickException("\n".join(error.problems)) from error
        click.echo(
            f"Sauvegarde du {manifest['created_at']} restaurée : {len(manifest['files'])} "
            f"fichier(s) vérifié(s), empreinte du manifeste {backups.manifest_digest(path)}."
        )
        click.echo(
            "Ensuite : flask --app cdess init-db (migrations), flask --app cdess audit verify."
        )

    keys_group = AppGroup("keys", help="Les clés qui signent les credentials Open Badges.")
    app.cli.add_command(keys_group)

    @keys_group.command("list")
    def keys_list_command():
        """Every key: its kid, its state (current, retired, revoked) and its dates."""
        from cdess.credentials import services as credentials

        for key in credentials.all_keys():
            line = f"{key.kid}  {key.state:8}  créée le {key.created_at:%Y-%m-%d %H:%M}"
            if key.revoked_at:
                line += f", révoquée le {key.revoked_at:%Y-%m-%d} : {key.revoked_reason}"
            click.echo(line)

    @keys_group.command("new")
    @click.option("--use", "make_current", is_flag=True, help="La mettre en service aussitôt.")
    def keys_new_command(make_current):
        """Make a new Ed25519 key (in service only with --use: publish it first, then use it)."""
        from cdess.credentials import services as credentials

        key = credentials.new_key(make_current=make_current)
        db.session.commit()
        click.echo(f"Clé {key.kid} créée" + (" et mise en service." if make_current else "."))

    @keys_group.command("use")
    @click.argument("kid")
    def keys_use_command(kid):
        """Make KID the key that signs; the previous one is retired and still verifies."""
        from cdess.credentials import services as credentials

        try:
            key = credentials.use_key(kid)
        except credentials.CredentialError as error:
            raise click.ClickException(str(error)) from error
        db.session.commit()
        click.echo(f"Clé {key.kid} en service.")

    @keys_group.command("revoke")
    @click.argument("kid")
    @click.option("--reason", required=True, help="Pourquoi (une clé compromise…).")
    def keys_revoke_command(kid, reason):
        """Revoke a compromised key: the credentials it signed then say « clé révoquée »."""
        from cdess.credentials import services as credentials

        try:
            key = credentials.revoke_key(kid, reason)
        except credentials.CredentialError as error:
            raise click.ClickException(str(error)) from error
        db.session.commit()
        click.echo(f"Clé {key.kid} révoquée.")

    storage_group = AppGroup("storage", help="Les fichiers déposés et la base.")
    app.cli.add_command(storage_group)

    @storage_group.command("check")
    @click.option("--fix", is_flag=True, help="Supprimer les fichiers orphelins et temporaires.")
    @click.option(
        "--older-than",
        type=click.FloatRange(min=0),
        default=0,
        help="Ignorer les fichiers plus récents (secondes) : quelques minutes, serveur en marche.",
    )
    def storage_check_command(fix, older_than):
        """Compare each upload folder with the database — the applications' evidence, the
        follow-ups' documents, the reports' files: files no row points at (orphans,
        temporary files of an upload cut short; removed with --fix) and rows whose file is
        missing. Exit 1 when something is left to see to."""
        from cdess.applications import evidence
        from cdess.followups import services as followups
        from cdess.reports import services as reports

        stores = (
            ("Pièces des dossiers", evidence.check_storage, _document_of_application),
            ("Pièces des suivis annuels", followups.check_storage, _document_of_followup),
            ("Pièces des signalements", reports.check_storage, _file_of_report),
        )
        names = {
            "orphan_files": "Fichiers orphelins",
            "temporary": "Fichiers temporaires",
            "missing_files": "Fichiers manquants (lignes sans fichier)",
            "removed": "Fichiers supprimés",
        }
        left = ["missing_files"] if fix else ["missing_files", "orphan_files", "temporary"]
        failed = False
        for store, check, describe in stores:
            report = check(fix=fix, older_than=older_than)
            click.echo(f"{store}")
            for key, title in names.items():
                click.echo(f"  {title} : {len(report[key])}")
                for item in report[key]:
                    click.echo(f"    {describe(item) if isinstance(item, dict) else item}")
            failed = failed or any(report[key] for key in left)
        if failed:
            raise click.exceptions.Exit(1)

    @app.cli.command("reminders")
    @click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Jour de référence (tests).")
    def reminders_command(today):
        """Daily: remind structures whose label ends in 90 and 30 days (once each), mark the
        labels past their end as expired, run the annual follow-ups' calendar (open, remind,
        flag: each step once), and publish the journal's head of the day."""
        import uuid
        from datetime import date

        from cdess.jobs.models import JobState

        day = today.date() if today else date.today()
        # A job (RQ's with REDIS_URL, else run here after the commit), each run its own: the
        # reminders themselves are recorded once each, a second run sends nothing twice.
        key = f"reminders:{day.isoformat()}:{uuid.uuid4().hex}"
        job = jobs.enqueue(JobKind.reminders, {"today": day.isoformat()}, None, key)
        db.session.commit()
        db.session.refresh(job)
        if job.state in (JobState.queued, JobState.running):
            click.echo(f"Rappels confiés à la file de travaux : travail n° {job.id}.")
            return
        if job.state is JobState.failed:
            raise click.ClickException(f"Rappels en échec (travail n° {job.id}) : {job.error}")
        r = job.message_values
        click.echo(f"Rappels envoyés : {r['sent']} ; labels arrivés à échéance : {r['expired']}.")
        click.echo(
            f"Suivis annuels ouverts : {r['opened']} ; rappels envoyés : {r['reminded']} ; "
            f"en retard : {r['overdue']} ; signalés au secrétariat : {r['flagged']}."
        )
        click.echo(f"Tête du journal publiée : {r['count']} entrées, {r['head']}.")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="S'arrêter quand la file est vide.")
    def worker_command(burst):
        """Run the jobs of RQ's queue « cdess » (REDIS_URL): the minutes, the certificates of a
        session, the mass emails. One process, jobs one after the other; start several."""
        from rq import SimpleWorker

        url = current_app.config.get("REDIS_URL")
        if not url:
            raise click.ClickException("REDIS_URL (CDESS_REDIS_URL) n'est pas défini.")
        queue = jobs.queue(url)
        SimpleWorker([queue], connection=queue.connection).work(burst=burst)

    @app.cli.command("retention")
    @click.option("--dry-run", is_flag=True, help="Dire ce qui serait fait, sans rien changer.")
    def retention_command(dry_run):
        """Daily: delete the accounts never confirmed, the drafts untouched for years, and erase
        the accounts inactive for years once their owners were warned by email (RGPD retention
        periods; settings RETENTION_*). Every purge in the journal; run twice, nothing more."""
        from cdess.clock import utcnow
        from cdess.privacy import retention

        report = retention.run(utcnow(), dry_run=dry_run)
        if dry_run:
            db.session.rollback()
            click.echo("Simulation : rien n'a été changé ni envoyé.")
        else:
            db.session.commit()
        for line in report.lines():
            click.echo(line)

    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option(
        "--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role])
    )
    @click.option("--name", "display_name", default=None, help="Nom affiché (défaut : l'adresse).")
    @click.password_option(help="Mot de passe (12 caractères au moins).")
    def create_user_command(email, roles, display_name, password):
        """Create an active, confirmed account."""
        from cdess.accounts.services import AccountError, create_user

        if len(password) < current_app.config["PASSWORD_MIN_LENGTH"]:
            raise click.ClickException("Mot de passe trop court (12 caractères au moins).")
        try:
            user = create_user(
                email,
                display_name or email,
                {Role(r) for r in roles},
                password=password,
                confirmed=True,
                voting_right=bool({"council_member", "president"} & set(roles)),
            )
        except AccountError as error:
            raise click.ClickException(str(error)) from error
        db.session.commit()
        click.echo(f"Compte créé : {user.email} ({', '.join(sorted(roles))})")

    @app.cli.command("demo")
    @click.option(
        "--if-empty", is_flag=True, help="Ne rien faire si la base contient déjà des données."
    )
    @click.option(
        "--structures",
        type=click.IntRange(min=STRUCTURE_COUNT),
        default=STRUCTURE_COUNT,
        show_default=True,
        help="Structures du territoire : au-delà de celles de la démonstration, d'autres sont "
        "ajoutées (18 % signataires de la charte).",
    )
    def demo_command(if_empty, structures):
        """Load the realistic demo dataset (refuses a database holding real data); with
        --structures N, grow its territory to N structures (a loaded demo too)."""
        from cdess import demo
        from cdess.demo.grow import grow, refresh_statistics

        init_db()
        state = demo.database_state()
        if state == "real":
            if if_empty:
                click.echo("La base contient déjà des données : démonstration non chargée.")
                return
            raise click.ClickException(
                "Cette base contient des données qui ne sont pas de démonstration : refus."
            )
        summary = []
        try:
            if state == "demo":
                click.echo("Les données de démonstration sont déjà chargées.")
            else:
                summary = demo.load()
                db.session.commit()
            growth = grow(structures)
        except demo.DemoIntegrityError as error:
            db.session.rollback()
            raise click.ClickException(
                "Données de démonstration refusées :\n" + "\n".join(error.problems)
            ) from error
        db.session.commit()
        if growth.structures:
            refresh_statistics()
        for line in summary:
            click.echo(line)
        if growth.structures:
            click.echo(
                f"Territoire agrandi : {_grouped(growth.structures)} structures ajoutées, dont "
                f"{_grouped(growth.signatures)} signataires de la charte ; "
                f"{_grouped(structures)} en tout."
            )
        if summary:
            click.echo(
                f"Mot de passe de tous les comptes de démonstration : "
                f"{current_app.config['DEMO_PASSWORD']}"
            )


def _echo_seal() -> None:
    """Say which seal signs the PDFs, making a development one when none exists (outside
    production)."""
    from cdess.web import seal

    try:
        used = seal.ensure()
    except seal.SealError as error:
        raise click.ClickException(str(error)) from error
    if used is None:
        click.echo(
            f"Aucun sceau électronique ({seal.pkcs12_path()}) : installez celui du Département "
            "(README, « Sceau électronique ») avant de délivrer un certificat.",
            err=True,
        )
        return
    click.echo(
        f"Sceau : {used.name} (SHA-256 {used.fingerprint}), "
        f"valide jusqu'au {used.certificate.not_valid_after_utc:%d/%m/%Y}."
    )


def _grouped(number: int) -> str:
    """A count as French writes it: 196\u202f555."""
    return f"{number:,}".replace(",", "\u202f")


def _document_of_application(row: dict) -> str:
    return f"pièce {row['document_id']} du dossier {row['application_id']} : {row['stored_name']}"


def _document_of_followup(row: dict) -> str:
    return f"pièce {row['document_id']} du suivi {row['followup_id']} : {row['stored_name']}"


def _file_of_report(row: dict) -> str:
    return f"signalement {row['report_id']} : {row['stored_name']}"
