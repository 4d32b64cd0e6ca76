"""복지 길잡이 (bokji-bot): one subpackage per stage of a message's way through the system.

Built so far: `eligibility` (rules-as-code engine over rules/). The stages `nlu`, `dialogue`,
`store`, `handoff`, `channels` and `web` of shared/spec/architecture.md arrive with their issues.
"""
