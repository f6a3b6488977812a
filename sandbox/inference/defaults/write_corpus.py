"""Write ``corpus.txt``, the plain English text atrium-gpt-mini is trained on.

The text is original (written for Atrium, free to ship): short stories about a harbour
town and simple helpful dialogues, composed from hand-written sentence patterns with a
fixed seed so the shipped file is reproducible. Run ``python -m
sandbox.inference.defaults.write_corpus`` to regenerate it.
"""

from __future__ import annotations

import random
from pathlib import Path

CORPUS = Path(__file__).with_name("corpus.txt")

NAMES = [
    "Anna",
    "Tom",
    "Mara",
    "Leo",
    "Ruth",
    "Sam",
    "Ella",
    "Finn",
    "Clara",
    "Jonah",
    "Iris",
    "Owen",
    "Nora",
    "Felix",
    "Lucy",
    "Hugo",
    "Maya",
    "Ben",
    "Alice",
    "Peter",
]
JOBS = [
    "baker",
    "fisherman",
    "teacher",
    "carpenter",
    "doctor",
    "painter",
    "farmer",
    "sailor",
    "librarian",
    "gardener",
    "potter",
    "weaver",
    "miller",
    "blacksmith",
    "shopkeeper",
]
PLACES = [
    "the harbour",
    "the market",
    "the old library",
    "the bakery",
    "the hill above the town",
    "the river",
    "the village square",
    "the small school",
    "the lighthouse",
    "the garden",
    "the forest path",
    "the train station",
    "the bridge",
    "the quiet beach",
    "the workshop",
]
TIMES = [
    "In the morning",
    "At noon",
    "In the evening",
    "Late at night",
    "On Sunday",
    "Early in the spring",
    "In the middle of winter",
    "One summer day",
    "After the rain",
    "Before sunrise",
    "Every autumn",
]
WEATHER = [
    "the sky was clear and blue",
    "a cold wind came from the sea",
    "the rain fell softly on the roofs",
    "the sun was warm on the stones",
    "a thin fog covered the water",
    "snow lay deep in the streets",
    "the clouds moved slowly over the hills",
    "the air smelled of salt and bread",
]
OBJECTS = [
    "a basket of apples",
    "an old map",
    "a letter from a friend",
    "a wooden box",
    "a loaf of bread",
    "a blue lamp",
    "a book of songs",
    "a small boat",
    "a warm coat",
    "a bag of seeds",
    "a silver key",
    "a cup of tea",
    "a new hammer",
    "a jar of honey",
    "a bunch of flowers",
]
FEELINGS = ["happy", "tired", "curious", "worried", "calm", "proud", "hopeful", "surprised", "grateful", "quiet"]
VERBS = [
    "walked to",
    "ran to",
    "went down to",
    "climbed up to",
    "came back from",
    "looked for a friend at",
    "waited near",
    "worked all day at",
    "sat for a while at",
    "painted a picture of",
]
ACTIONS = [
    "mended the nets",
    "baked fresh bread",
    "read a long story",
    "planted rows of beans",
    "fixed the broken door",
    "sang an old song",
    "cleaned the windows",
    "wrote a short letter",
    "cooked a pot of soup",
    "counted the boats",
    "swept the floor",
    "fed the hens",
    "lit the lamps",
]
REASONS = [
    "because the day was long",
    "because a friend needed help",
    "so that the children could eat",
    "before the storm arrived",
    "because it made the town glad",
    "so that nothing would be lost",
    "because there was time",
    "while the kettle was warming",
]

TOPICS = {
    "the weather": [
        "Today the sky is clear, and the wind is light.",
        "It may rain later, so a warm coat is a good idea.",
        "The weather changes quickly near the sea.",
    ],
    "bread": [
        "Bread is made from flour, water, salt and yeast.",
        "Mix the dough, let it rise, and bake it in a hot oven.",
        "Fresh bread smells good and tastes best when it is still warm.",
    ],
    "the sea": [
        "The sea is large and deep, and it covers most of the world.",
        "Boats carry fish and people across the water.",
        "The tide comes in and goes out twice a day.",
    ],
    "books": [
        "A good book can teach you many new things.",
        "The library lends books to anyone who asks.",
        "Reading a little every day is a fine habit.",
    ],
    "gardens": [
        "A garden needs sun, water and patient care.",
        "Plant the seeds in spring and pick the beans in summer.",
        "Weeds grow fast, so pull them out early.",
    ],
    "the town": [
        "The town sits by the harbour, below a green hill.",
        "There is a market in the square every Saturday.",
        "People in the town know their neighbours by name.",
    ],
    "tea": [
        "Boil the water, pour it over the leaves, and wait a few minutes.",
        "Tea is warm and calm, and it is good on a cold day.",
        "Some people like their tea with milk and honey.",
    ],
    "learning": [
        "Learning takes time, so be patient with yourself.",
        "Ask questions, and practice a little every day.",
        "Mistakes are part of learning something new.",
    ],
    "computers": [
        "A computer follows the steps that a program gives it.",
        "Code is written by people and read by machines and people.",
        "A model reads text and writes the words that are most likely to come next.",
    ],
    "friends": [
        "A friend listens and helps when times are hard.",
        "Good friends share bread, stories and time.",
        "Say thank you to your friends, and mean it.",
    ],
}
QUESTIONS = [
    "Tell me about {t}.",
    "What do you know about {t}?",
    "Can you say something about {t}?",
    "I would like to learn about {t}.",
    "Please explain {t} to me.",
    "What is good to know about {t}?",
]
GREETINGS = ["Hello!", "Hi there.", "Good morning.", "Hello, how are you?", "Hi, can you help me?"]
GREETING_REPLIES = [
    "Hello! I am glad to help you today.",
    "Hi! What would you like to talk about?",
    "Good morning! I am here and ready to help.",
    "I am well, thank you. How can I help you?",
]


def sentence(rng: random.Random) -> str:
    name, other = rng.sample(NAMES, 2)
    pattern = rng.randrange(8)
    if pattern == 0:
        return f"{rng.choice(TIMES)}, {name} {rng.choice(VERBS)} {rng.choice(PLACES)}."
    if pattern == 1:
        return f"{rng.choice(TIMES)}, {rng.choice(WEATHER)}."
    if pattern == 2:
        return f"{name} was a {rng.choice(JOBS)} who lived near {rng.choice(PLACES)}."
    if pattern == 3:
        return f"{name} {rng.choice(ACTIONS)} {rng.choice(REASONS)}."
    if pattern == 4:
        return f"{name} gave {other} {rng.choice(OBJECTS)}, and {other} felt {rng.choice(FEELINGS)}."
    if pattern == 5:
        return f'"Thank you," said {other}, "I will keep it safe."'
    if pattern == 6:
        return f"{name} found {rng.choice(OBJECTS)} at {rng.choice(PLACES)} and carried it home."
    return f"{name} felt {rng.choice(FEELINGS)}, so {name} {rng.choice(ACTIONS)}."


def story(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(4, 9)))


def dialogue(rng: random.Random) -> str:
    """One exchange in the chat layout of atrium-gpt-mini's chat template."""
    if rng.random() < 0.2:
        return f"<|user|>\n{rng.choice(GREETINGS)}\n<|assistant|>\n{rng.choice(GREETING_REPLIES)}<|end|>"
    topic = rng.choice(list(TOPICS))
    facts = rng.sample(TOPICS[topic], rng.randint(2, 3))
    question = rng.choice(QUESTIONS).format(t=topic)
    return f"<|user|>\n{question}\n<|assistant|>\n{' '.join(facts)}<|end|>"


def write(target: Path = CORPUS, *, size: int = 400_000, seed: int = 1234) -> Path:
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size:
        part = dialogue(rng) if rng.random() < 0.35 else story(rng)
        parts.append(part)
        total += len(part) + 2
    target.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return target


if __name__ == "__main__":
    print(write())
