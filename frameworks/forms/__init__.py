"""Forms: validate what people type, then hand plain values to a service.

The forms are split by area: `base` (the GOV.UK renderer and what every form shares), `returns`,
`rounds`, `imports`, `reports`. May import: the models and the services (for the values they
hand over and the limits they check); imported by the views only. Import them from here:
`from frameworks.forms import X` (and `FORM_RENDERER` names `frameworks.forms.GovukFormRenderer`).
"""

from frameworks.forms.base import (
    DATE_INPUT_FORMATS,
    GovukFormRenderer,
)
from frameworks.forms.imports import (
    NEW_FRAMEWORK,
    ImportForm,
    located,
)
from frameworks.forms.indicator_values import IndicatorValueForm
from frameworks.forms.indicators import (
    IndicatorForm,
    IndicatorTargetForm,
    IndicatorValueConfirmForm,
    IndicatorValueImportForm,
)
from frameworks.forms.maturity import (
    AssessmentForm,
    AssessmentImportForm,
    JudgementForm,
    JudgementResolveForm,
    MaturityLevelForm,
    MaturityStandardForm,
)
from frameworks.forms.posts import PostMergeForm
from frameworks.forms.reports import (
    BoardForm,
    PublishForm,
    ReportCreateForm,
    ReportTextForm,
)
from frameworks.forms.returns import (
    OBA_HINT,
    RAG_HINT,
    ReturnForm,
    ReviewForm,
)
from frameworks.forms.rounds import (
    ConfirmForm,
    RoundForm,
)
from frameworks.services import OUT_OF_DATE

__all__ = [
    "DATE_INPUT_FORMATS",
    "NEW_FRAMEWORK",
    "OBA_HINT",
    "OUT_OF_DATE",
    "RAG_HINT",
    "BoardForm",
    "ConfirmForm",
    "GovukFormRenderer",
    "ImportForm",
    "IndicatorForm",
    "IndicatorTargetForm",
    "IndicatorValueConfirmForm",
    "IndicatorValueForm",
    "IndicatorValueImportForm",
    "PostMergeForm",
    "PublishForm",
    "ReportCreateForm",
    "ReportTextForm",
    "ReturnForm",
    "ReviewForm",
    "RoundForm",
    "located",
    "AssessmentForm",
    "AssessmentImportForm",
    "JudgementForm",
    "JudgementResolveForm",
    "MaturityLevelForm",
    "MaturityStandardForm",
]
