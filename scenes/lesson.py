"""The whole lesson as one video, with a named section per step."""

from __future__ import annotations

from scenes.combine_values import CombineValuesPart
from scenes.common import SECTION_SEPARATOR, LessonScene
from scenes.positional_encoding import PositionalEncodingPart
from scenes.projections import KEY, QUERY, ProjectionPart
from scenes.similarity import SimilarityPart
from scenes.softmax import SoftmaxPart


class AttentionLesson(LessonScene):
    """From positional encoding to the output of self-attention."""

    def construct(self) -> None:
        self.part("Positional encoding", PositionalEncodingPart(self))
        for projection in (QUERY, KEY):
            self.part(projection.plural.capitalize(), ProjectionPart(self, projection))
        self.part("Similarity", SimilarityPart(self))
        self.part("Softmax", SoftmaxPart(self, masked=self.example.lesson.causal))
        self.part("Output", CombineValuesPart(self))

    def part(self, name: str, part) -> None:
        """Play one part of the lesson, its sections named after it."""
        if self.mobjects:
            self.clear_screen()
        self.section_prefix = name + SECTION_SEPARATOR
        part.play()
