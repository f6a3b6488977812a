from django.core.management.base import BaseCommand

from community.rewards.leaderboards import leaderboards_rebuild, leaderboards_refresh


class Command(BaseCommand):
    help = "Rebuild the leaderboards from the ledger's daily rollups (--refresh: only what changed, as the beat task)."

    def add_arguments(self, parser):
        parser.add_argument("--refresh", action="store_true", help="Fold new days and re-rank, as the beat task does.")

    def handle(self, *args, refresh=False, **options):
        result = leaderboards_refresh() if refresh else leaderboards_rebuild()
        self.stdout.write(
            f"{result.rows} leaderboard rows: {result.written} written, {result.removed} removed"
            f"{', all-time totals updated' if result.folded else ''}."
        )
