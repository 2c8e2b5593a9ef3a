"""The stable codes of an import's warnings and of the reasons an import job stops before its
end (docs/data.md, « Import error codes »), like the codes of its errors (`reading`,
`places.validation`…): stored with the job, rendered in the reader's language
(`selectors.displayed_warnings`, `Job.stop_reason`).

They live here, not in `services`, because `selectors` renders them and `services` imports
`selectors`.
"""

from django.utils.translation import gettext_noop

from maillage.common.errors import ErrorCode

VALUE_DROPPED = ErrorCode(
    "warning.value_dropped",
    gettext_noop("%(line)s, %(field)s : %(message)s Valeur ignorée, le lieu est importé sans."),
)
UNKNOWN_COLUMN = ErrorCode(
    "warning.unknown_column", gettext_noop("Colonne inconnue ignorée : « %s ».")
)
UNKNOWN_PROPERTY = ErrorCode(
    "warning.unknown_property", gettext_noop("Propriété inconnue ignorée : « %s ».")
)
UNKEPT_COLUMNS = ErrorCode(
    "warning.unkept_columns",
    gettext_noop("Colonne(s) lue(s) mais non conservée(s), Maillage n'ayant pas ce champ : %s."),
)
NO_PLACES = ErrorCode("warning.no_places", gettext_noop("Le fichier ne contient aucun lieu."))
POSSIBLE_DUPLICATE = ErrorCode(
    "warning.possible_duplicate",
    gettext_noop(
        "%(line)s : doublon possible du lieu n° %(id)d « %(name)s » (%(reason)s, à "
        "%(distance)d m) ; rien n'est fusionné, l'objet est importé à part."
    ),
)
SAME_SIRET = ErrorCode("duplicate.same_siret", gettext_noop("même SIRET"))
SAME_NAME = ErrorCode("duplicate.same_name", gettext_noop("même nom"))

AUTHOR_DELETED = ErrorCode(
    "job.author_deleted",
    gettext_noop(
        "Le compte qui a lancé l'import n'existe plus : l'import n'a pas été exécuté. "
        "Envoyez de nouveau le fichier depuis votre compte."
    ),
)
AUTHOR_REFUSED = ErrorCode(
    "job.author_refused",
    gettext_noop(
        "Le compte qui a lancé l'import n'a plus le droit d'importer : l'import n'a pas "
        "été exécuté."
    ),
)
UNEXPECTED_ERROR = ErrorCode(
    "job.unexpected_error",
    gettext_noop(
        "L'import s'est arrêté sur une erreur inattendue. Les lots déjà écrits sont "
        "conservés : relancez le même import pour le terminer."
    ),
)
SOURCE_REQUIRED = ErrorCode("source.required", gettext_noop("La source est obligatoire."))
