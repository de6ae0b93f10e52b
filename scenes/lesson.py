"""The whole lesson as one video, with a named section per step."""

from __future__ import annotations

from scenes.common import SECTION_SEPARATOR, LessonScene
from scenes.positional_encoding import PositionalEncodingPart
from scenes.projections import KEY, QUERY, ProjectionPart


class AttentionLesson(LessonScene):
    """Positional encoding, then query values, then key values."""

    def construct(self) -> None:
        self.section_prefix = "Positional encoding" + SECTION_SEPARATOR
        PositionalEncodingPart(self).play()
        for projection in (QUERY, KEY):
            self.clear_screen()
            self.section_prefix = projection.plural.capitalize() + SECTION_SEPARATOR
            ProjectionPart(self, projection).play()
