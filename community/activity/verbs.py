"""Every verb the activity stream knows, and what each means.

A verb names what happened as ``<area>.<thing>.<event>`` (or ``<area>.<event>``), in
the past tense. ``activity_record`` and handler registration refuse a verb missing here,
so a typo fails where it is written, not silently in a handler that never runs. Adding
a verb is one line here; renaming one breaks every handler and stored row: add a new one.

Each entry says who the actor is, what the target is (``target_type``: the model's
``app_label.modelname``, or a named kind such as ``docs.page``), and which properties
come with it (plain ids, numbers and strings; never a secret, never free text a user
wrote).
"""

VERBS: dict[str, str] = {
    # Accounts (portal.accounts: allauth's and Django's signals)
    "account.signed_up": (
        "A visitor created an account. Actor: the new user. Properties: ip_hash, device_hash (HMAC with "
        "SECRET_KEY of the client IP and of the atrium_device cookie; never the raw values). Once per account."
    ),
    "account.email_verified": "An email address was confirmed. Actor: its user. Target: account.emailaddress.",
    "account.logged_in": (
        "A user signed in (any login: the site, email confirmation, the admin). Actor: the user. Properties: "
        "ip_hash, device_hash (as account.signed_up)."
    ),
    "account.visited": (
        "A signed-in member's first page of a day (UTC). Actor: the member. Properties: day (ISO date). Once per "
        "member and day (dedupe_key)."
    ),
    # API keys (portal.apikeys.services)
    "apikey.created": "An API key was created. Actor: its owner. Target: apikeys.apikey. Properties: scopes.",
    "apikey.revoked": (
        "An API key was revoked. Actor: its owner. Target: apikeys.apikey. "
        "Properties: reason (owner, leaked). Once per key."
    ),
    # The /v1 API (sandbox.usage, from stored usage records, never one activity per request)
    "api.first_call": (
        "An account's first successful /v1 call. Actor: the account. Target: apikeys.apikey (absent for the "
        "Playground). Properties: endpoint, model. Once per account ever."
    ),
    "api.used": (
        "An account used /v1 during one clock hour (UTC), recorded once the hour is over. Actor: the account. "
        "occurred_at: the hour's start. Properties: hour, requests, errors, prompt_tokens, completion_tokens, "
        "models. Once per account and hour."
    ),
    # The Playground (sandbox.gateway.playground)
    "playground.reply.streamed": (
        "A streamed Playground reply completed. Actor: the signed-in user. Properties: model (the day's first). "
        "Once per user and day (UTC)."
    ),
    # Docs (portal.docs.services)
    "docs.page.viewed": (
        "A signed-in reader opened a docs page. Actor: the reader. Target: docs.page (slug). Properties: slug, "
        "language. Once per reader, page and day (UTC); anonymous views are counted by docs.PageView only."
    ),
    "docs.feedback.given": (
        "A reader answered 'Was this page helpful?'. Actor: the reader (absent when anonymous). Target: "
        "docs.pagefeedback. Properties: slug, language, helpful, has_comment. Once per answer and value."
    ),
    # Forums (community.forums.services)
    "forum.thread.posted": (
        "A thread was started. Actor: its author. Target: forums.thread. Properties: thread, post (the first), "
        "category, category_kind (qa, discussion, ...), thread_author, mentions (the handles linked)."
    ),
    "forum.reply.posted": (
        "A reply was posted. Actor: its author. Target: forums.post. Properties: thread, post, category, "
        "category_kind, thread_author, mentions."
    ),
    "forum.post.edited": (
        "A post was edited. Actor: the editor. Target: forums.post. Properties: thread, post_author, "
        "new_mentions (handles linked now and not before)."
    ),
    "forum.answer.accepted": (
        "An answer was accepted. Actor: who accepted it. Target: forums.post. Properties: thread, answer_author, "
        "asker, category."
    ),
    "forum.answer.unaccepted": (
        "An accepted answer was un-accepted (or replaced by another). Actor: who did it. Target: forums.post. "
        "Properties: thread, answer_author, asker, category."
    ),
    "forum.post.voted": (
        "A vote was given or withdrawn. Actor: the voter. Target: forums.post. Properties: value (the score's change, "
        "+1 or -1), direction (up, down), withdrawn (bool), thread, post_author, is_question (the thread's first "
        "post), category, category_kind. Switching a vote is two activities: the old one withdrawn, the new one given."
    ),
    "forum.thread.read": (
        "A signed-in member read a thread. Actor: the reader. Target: forums.thread. Properties: thread, category, "
        "first_visit (bool: a topic entered), posts_read (posts new to them on the page), seconds (time reading, "
        "from the page's beacon, capped per visit; 0 when the page was opened)."
    ),
    "forum.thread.retagged": (
        "A thread's tags were changed. Actor: who changed them. Target: forums.thread. Properties: thread, "
        "thread_author, tags (slugs now)."
    ),
    "forum.post.removed_as_spam": (
        "A moderator hid a post as spam. Actor: the moderator. Target: forums.post. Properties: thread, "
        "post_author, category, is_question."
    ),
    "forum.post.spam_cleared": (
        "A post removed as spam was restored. Actor: the moderator. Target: forums.post. Properties: thread, "
        "post_author, category, is_question."
    ),
    "forum.post.flagged": (
        "A post was flagged. Actor: the reporter. Target: forums.post. Properties: reason, thread, post_author."
    ),
    "forum.bounty.offered": (
        "A member offered a bounty on an open question; its points left their balance. Actor: the offerer. Target: "
        "forums.bounty. Properties: thread, category, amount, ends_at (ISO 8601). Once per bounty."
    ),
    "forum.bounty.awarded": (
        "A bounty was paid to an answer: the accepted one, or the best-voted one posted during the bounty when it "
        "ended. Actor: the member who received it. Target: forums.bounty. Properties: thread, post, category, amount, "
        "offered_by, award (accepted, best_voted). Once per bounty."
    ),
    "forum.bounty.refunded": (
        "A bounty's points went back to its offerer: nobody else answered while it was open, the question was "
        "removed, or the ledger refused the award. Actor: the offerer. Target: forums.bounty. Properties: thread, "
        "category, amount, reason (no_answers, thread_removed, refused). Once per bounty."
    ),
    "forum.moderation.action": (
        "A moderation action was logged (actor absent for the system's own, the key-leak guard). Target: "
        "forums.moderationaction. Properties: kind, thread, post, target_user."
    ),
    # Fine-tuning (sandbox.finetuning.services)
    "finetune.file.uploaded": (
        "A training file was uploaded. Actor: its owner. Target: finetuning.trainingfile. Properties: purpose, "
        "bytes, examples."
    ),
    "finetune.job.created": (
        "A fine-tuning job was created (queued). Actor: its owner. Target: finetuning.finetuningjob. Properties: "
        "base_model, training_file, estimated_cost, recipe (the id of the recipe it was forked from, or null)."
    ),
    "finetune.job.succeeded": (
        "A fine-tuning job succeeded. Actor: its owner. Target: finetuning.finetuningjob. Properties: base_model, "
        "fine_tuned_model, recipe (the id of the recipe it was forked from, or null). Once per job."
    ),
    "finetune.job.failed": (
        "A fine-tuning job failed. Actor: its owner. Target: finetuning.finetuningjob. Properties: base_model, "
        "error_code. Once per job."
    ),
    "finetune.job.cancelled": (
        "A fine-tuning job was cancelled. Actor: its owner. Target: finetuning.finetuningjob. Properties: "
        "base_model. Once per job."
    ),
    # Badges and honors (community.badges.services)
    "rewards.badge.awarded": (
        "A member earned a badge. Actor: the member. Target: badges.badgeaward. Properties: badge (slug), grade "
        "(bronze, silver, gold), cause (empty, or post:<id> for a badge earned once per post). Once per award."
    ),
    "rewards.honor.awarded": (
        "A manager honored a member with a citation. Actor: the member honored. Target: badges.honor. Properties: "
        "honor (the kind's slug), awarded_by. Once per honor."
    ),
    # Trust levels (community.trust.services)
    "rewards.level.changed": (
        "A member's trust level changed. Actor: the member. Target: trust.membertrust. Properties: old, new (0 new "
        "to 4 leader), level_name (the new level's name in English), reason (promoted, demoted, manager, unlocked)."
    ),
    "rewards.item.redeemed": (
        "A member spent points on a rewards-store item (credits and boosts are delivered at once, a physical item "
        "waits for a manager). Actor: the member. Target: store.redemption. Properties: item (id), kind (credits, "
        "rate_limit_boost, physical), points. Once per order."
    ),
    # Events (community.events.services)
    "event.published": (
        "An event was published (by a manager, or an ambassador's event once a manager approved it). Actor: the "
        "organiser. Target: events.event. Properties: event, kind (meetup, webinar, workshop, hackathon). Once per "
        "event."
    ),
    "event.cancelled": (
        "A published event was cancelled. Actor: who cancelled it. Target: events.event. Properties: event."
    ),
    "event.rsvp.registered": (
        "A member holds a place at an event: registered directly, or promoted from the waitlist. Actor: the member. "
        "Target: events.event. Properties: event, kind, promoted (bool)."
    ),
    "event.rsvp.waitlisted": (
        "A member joined an event's waitlist (it was full). Actor: the member. Target: events.event. Properties: "
        "event, position."
    ),
    "event.rsvp.cancelled": (
        "A member gave up their place or left the waitlist. Actor: the member. Target: events.event. Properties: "
        "event, was (registered, waitlisted)."
    ),
    "event.attended": (
        "A member's attendance was recorded (check-in code, QR, or an organiser marking it). Actor: the member. "
        "Target: events.event. Properties: event, kind, method (code, organiser), organiser. Once per member and event."
    ),
    "event.feedback.given": (
        "An attendee rated an event afterwards. Actor: the attendee. Target: events.event. Properties: event, rating "
        "(1-5), has_comment. Once per attendee and event."
    ),
    # Hackathons (community.hackathons.services)
    "hackathon.team.joined": (
        "A member created or joined a hackathon team. Actor: the member. Target: hackathons.team. Properties: "
        "hackathon, event, team, created (bool)."
    ),
    "hackathon.submitted": (
        "A team submitted a showcase entry to a hackathon within its window. Actor: the submitter. Target: "
        "hackathons.submission. Properties: hackathon, event, team, entry. Once per team."
    ),
    "hackathon.prize.awarded": (
        "A hackathon's prize was paid to a member of a winning team (points or compute credits). Actor: the winner. "
        "Target: hackathons.submission. Properties: hackathon, place, kind (points, credits), amount. Once per winner "
        "and prize."
    ),
    # Showcase (community.showcase.services)
    "showcase.entry.published": (
        "A member published an app to the showcase. Actor: the author. Target: showcase.entry. Properties: entry, "
        "models (names), tags. Once per entry."
    ),
    "showcase.entry.voted": (
        "A vote on a showcase entry was given or withdrawn. Actor: the voter. Target: showcase.entry. Properties: "
        "entry, entry_author, value (+1, or -1 withdrawn), withdrawn (bool)."
    ),
    "showcase.entry.featured": (
        "A manager featured a showcase entry. Actor: the author. Target: showcase.entry. Properties: entry, "
        "featured_by. Once per entry."
    ),
    # Fine-tuning recipes (community.recipes.services)
    "recipe.published": (
        "A member published a succeeded fine-tuning job as a recipe. Actor: the author. Target: recipes.recipe. "
        "Properties: recipe, base_model. Once per recipe."
    ),
    "recipe.forked": (
        "A member started a fine-tuning job from a recipe. Actor: the forker. Target: recipes.recipe. Properties: "
        "recipe, recipe_author, job. Once per job."
    ),
    "recipe.fork.succeeded": (
        "A job forked from a recipe succeeded. Actor: the forker. Target: recipes.recipe. Properties: recipe, "
        "recipe_author, job. Once per job."
    ),
    # Ambassadors (community.ambassadors.services)
    "ambassador.applied": (
        "A member applied to the ambassador program. Actor: the applicant. Target: ambassadors.application. "
        "Properties: region."
    ),
    "ambassador.accepted": (
        "A manager accepted an application: the member is an ambassador. Actor: the ambassador. Target: "
        "ambassadors.application. Properties: region, reviewed_by. Once per application."
    ),
    "ambassador.declined": (
        "A manager declined an application. Actor: the applicant. Target: ambassadors.application. Properties: "
        "reviewed_by. Once per application."
    ),
    "ambassador.revoked": (
        "A manager ended a member's ambassador status (event proposing and monthly credits stop). Actor: the "
        "former ambassador. Target: ambassadors.ambassador. Properties: revoked_by."
    ),
}

VERB_MAX_LENGTH = 64


def verb_validate(verb: str) -> str:
    """Return ``verb`` if it is registered above; raise ValueError otherwise."""
    if verb not in VERBS:
        raise ValueError(f"unknown activity verb {verb!r}: add it to community/activity/verbs.py")
    return verb
