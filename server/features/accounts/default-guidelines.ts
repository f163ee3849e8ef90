/** The guidelines a new network starts with (version 1); admins replace them in Admin → Guidelines. */
export const defaultGuidelines = `Welcome! This network is a shared space. To keep it kind, safe and useful for everyone:

1. **Be respectful.** Disagree with ideas, not people. No harassment, hate, threats or personal attacks.
2. **Be honest.** Don't impersonate others or spread what you know to be false.
3. **Respect privacy.** Don't share other people's personal information, messages or photos without their consent.
4. **Keep it on topic.** Post in the space where it belongs; no spam or unsolicited advertising.
5. **Look out for each other.** If something worries you — especially about someone's safety — report it. Moderators will see it straight away.
6. **Follow the law.** Nothing illegal, and nothing that puts anyone at risk.

Moderators may hide content, warn, mute or suspend members who break these guidelines, and will tell you why.
`;
