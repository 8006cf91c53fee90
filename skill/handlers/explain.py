"""Explain the mat: what it is, how to use it, how it compares with acupuncture."""

from __future__ import annotations

from skill.handlers.base import EXPLAIN_ANSWERS, SAFETY_ANSWERS, LookupIntentHandler
from skill.handlers.turn import Turn

#: Questions whose wording is the topic: "how long should I lie on it" does not fit a carrier
#: around a `{topic}` noun phrase, so each has an intent of its own and a fixed answer. "What is
#: an acupressure mat" is one too: as topic synonyms, the mat's own names ("a bed of nails")
#: matched every request that names the mat ("ten minutes on the nail mat").
TOPIC_QUESTIONS = {
    "MatIdentityIntent": "WHAT_IS",
    "HowItWorksIntent": "HOW_IT_WORKS",
    "MatBenefitsIntent": "BENEFITS",
    "SessionLengthIntent": "DURATION",
    "SessionFrequencyIntent": "FREQUENCY",
    "MatCostIntent": "COST",
    "MatEcoIntent": "ECO",
}


class ExplainMatIntentHandler(LookupIntentHandler):
    """A topic the catalogue knows, a menu when the topic is not one we know.

    The topic arrives in one of two slots, by the shape of the words: a noun phrase after
    "tell me about {topic}", or a verb phrase after "how do I {task}" ("clean it", "get up").
    One slot type for both filled every sample with words that did not fit it ("how do I the
    pillow"), and Alexa learns from those fillings.
    """

    intent_names = ("ExplainMatIntent",)
    screen = "answer.explain"
    slot_names = ("topic", "task")
    entry_prefix = "explain.topic."
    answer_key = "explain.overview"
    unknown_key = "explain.unknown"
    reprompt_key = "explain.reprompt"
    follow_up_key = "explain.more"
    #: Safety first: a condition inside the words of a question about the mat is a safety
    #: question ("tell me about using it while pregnant"), then the other ways to name a topic.
    rescue = (("SafetyCondition", SAFETY_ANSWERS), ("MatComplaint", EXPLAIN_ANSWERS),
              ("MatTopic", EXPLAIN_ANSWERS), ("MatTask", EXPLAIN_ANSWERS))


class AboutMatIntentHandler(ExplainMatIntentHandler):
    """"Tell me about the mat": no topic is named, so the overview answers."""

    intent_names = ("AboutMatIntent",)


class TopicQuestionIntentHandler(ExplainMatIntentHandler):
    """"How long should I lie on it?", "how often?", "how much is a mat?": the intent is the
    topic, so the answer never depends on a slot Alexa might leave empty.

    A benefits question may name a complaint ("will it help my neck"): that complaint's answer
    (what people report, how thin the evidence is, when to see a doctor), never the general
    benefits line. A complaint the model does not know gets a careful general answer.
    """

    intent_names = tuple(TOPIC_QUESTIONS)
    slot_names = ("complaint",)
    unmatched_entry = "OTHER_COMPLAINT"

    def entry_id(self, turn: Turn) -> str | None:
        if turn.spoken_values():
            return super().entry_id(turn)
        return TOPIC_QUESTIONS.get(turn.request.intent.name)
