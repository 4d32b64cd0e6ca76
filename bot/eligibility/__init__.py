"""The eligibility stage: which benefits a household may receive, how much, and why.

It knows nothing about chat: it reads a Profile and the rule files, and answers with verdicts,
their Korean explanations, and the missing facts worth asking about next.
"""
