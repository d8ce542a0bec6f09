"""Fixed wording: welcome, help, privacy and onboarding messages."""

from protocols import Profile
from protocols.codes import HIGH_RISK_SITES, Site

WELCOME = (
    "Hi! I'm stridecoach. I help you come back to running after a stress fracture: a "
    "one-minute check-in each morning, then today's session — a walk, run/walk, an easy run, "
    "strength work — or a step back when your bone needs it.\n\n"
    "I am a coaching aid, not a doctor: I do not replace your clinician, and on any warning "
    "sign I will tell you to stop and see them."
)
DECLINED = "No problem. Send /start whenever you want to begin."
NOT_SURE_SITE = (
    "No problem — until we know, I treat it as a bone that needs extra care. Please ask your "
    "clinician which bone it is; you can change it later."
)
NO_FORM = "I understand text and buttons. /help lists what I can do."
NOT_ONBOARDED = "Let's set you up first: send /start."

HELP = """What I can do:
/checkin — the morning check-in (about a minute), then today's session
/today — today's session again
/plan — your next 7 days and your whole ladder
/progress — your progress chart (/progress all for everything)
/history — your last 14 check-ins
/settings — your bone, clearances, weight, run and strength days, reminders, coach
/pause — pause all reminders (days paused never count as missed)
/resume — reminders back on
/start — set up, or welcome back
/help — this list
/privacy — what I store and who can see it
/export — your data as CSV files
/delete — delete everything I store about you
/cancel — leave the current questions
/coach leave — unlink from your coach

Coaches and clinicians: /coach to sign up and get an invite link.

I am a coaching aid, not a doctor: on any warning sign, stop and see your clinician."""

PRIVACY = """What I store: your answers (bone pain, soreness, sleep, calcium, protein, weight \
and, if you share it, cycle information), your profile (injured bone, clearances, schedule, \
time zone) and the plan I gave you each day.

Why: to choose each day's session safely and show your progress.

Who can see it: only you, and coaches or clinicians you link yourself. Nobody else.

How long: as long as you use the bot; nothing is shared or sold. /export sends you everything as CSV files, and /delete removes every row about you at once (your coaches are only told that you left)."""

# Typical time to return to sport, for expectations only, never a gate (§1, [S3]).
TYPICAL_WEEKS = {
    Site.TIBIA_POSTEROMEDIAL: "about 6 weeks",
    Site.FIBULA: "about 8 weeks",
    Site.FEMORAL_NECK: "about 15 weeks",
    Site.NAVICULAR: "about 18 weeks",
}


def onboarded(profile: Profile) -> str:
    typical = TYPICAL_WEEKS.get(profile.site, "about 13 weeks on average (6 to 27)")
    lines = [
        "You're all set. 🎉",
        f"For this injury, return to running typically takes {typical} from diagnosis, and "
        "full training 4–6 months — every body is different, and small steps add up.",
    ]
    if profile.site in HIGH_RISK_SITES:
        lines.append(
            "This bone needs extra care: running unlocks only when your coach or clinician "
            "confirms clearance, and any bone pain during a session means stop and check in "
            "with them."
        )
    lines.append("Now today's check-in — about a minute.")
    return "\n\n".join(lines)
