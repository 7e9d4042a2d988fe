# POST /eventsub: signed channel.update notifications, each with its own
# message id, through the module's whole path (HMAC-SHA256 over the raw
# body, timestamp window, SET NX of the message id and LPUSH of the job in
# one Redis script), against GET /api/health from the same nginx in the same
# run: the anchor is the module's request path without any check or I/O.
use strict;
use warnings;
use lib 't/lib';
use JSON::PP ();
use StreamVault::Test qw(stack_object spurt run_cmd);
use StreamVault::Bench qw(wrk report);
use StreamVault::EventSub qw(seal fixture signature rfc3339);

my $MESSAGES = 400_000;
my $SECRET = 'bench-eventsub-secret-0123456789abcdef';

my $stack = stack_object(only => 'pg redis nginx', env => { SV_NGINX_WORKERS => 1 });
$stack->start;
my $dir = $stack->dir;

# The migrations, by the worker, which then exits.
my $r = run_cmd([StreamVault::Test::build_dir() . '/streamvault-worker', '-c',
                 $stack->worker_conf(log_file => 'stderr'), '--create-admin', "$dir/initial-admin.txt"],
                timeout => 60);
die "the worker could not migrate: $r->{err}" if $r->{status};

# The secret as the worker would have stored it (the module reads it once).
my $sealed = seal("$dir/secret", 'twitch.eventsub_secret', $SECRET);
$stack->psql(q{INSERT INTO settings (key, value) VALUES ('twitch.eventsub_secret', to_jsonb(}
             . "'$sealed'::text))");

# Pre-signed deliveries: one per request, so that none is a duplicate.
my $body = JSON::PP->new->canonical->encode(fixture('channel-update-v2'));
my $ts = rfc3339();
open my $fh, '>', "$dir/messages" or die "$dir/messages: $!";
for my $n (1 .. $MESSAGES) {
    my $id = sprintf('b0000000-0000-4000-8000-%012d', $n);
    print $fh "$id ", signature($SECRET, $id, $ts, $body), "\n";
}
close $fh;
spurt("$dir/body.json", $body);
spurt("$dir/eventsub.lua", <<'EOF_LUA');
local messages = {}
for line in io.lines(os.getenv("SV_MESSAGES")) do messages[#messages + 1] = line end
local f = assert(io.open(os.getenv("SV_BODY"), "rb"))
local body = f:read("*a")
f:close()
local n = 0
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Twitch-Eventsub-Message-Timestamp"] = os.getenv("SV_TS")
wrk.headers["Twitch-Eventsub-Message-Type"] = "notification"
wrk.headers["Twitch-Eventsub-Subscription-Type"] = "channel.update"
wrk.headers["Twitch-Eventsub-Subscription-Version"] = "2"
request = function()
    n = n % #messages + 1
    local id, sig = messages[n]:match("^(%S+) (%S+)$")
    wrk.headers["Twitch-Eventsub-Message-Id"] = id
    wrk.headers["Twitch-Eventsub-Message-Signature"] = "sha256=" .. sig
    return wrk.format()
end
EOF_LUA
local $ENV{SV_MESSAGES} = "$dir/messages";
local $ENV{SV_BODY} = "$dir/body.json";
local $ENV{SV_TS} = $ts;

wrk($stack->url . '/api/health', seconds => 1);    # warm-up
my $ours = wrk($stack->url . '/eventsub', script => "$dir/eventsub.lua");
my $anchor = wrk($stack->url . '/api/health');

# Every accepted delivery is one job on the inbox: the work was done.
my $queued = $stack->redis('LLEN', 'streamvault:inbox');
die "wrk sent $ours->{requests} notifications, more than the $MESSAGES distinct ones\n"
    if $ours->{requests} > $MESSAGES;
die "$ours->{requests} notifications accepted but $queued jobs queued\n"
    if $queued < $ours->{requests};
report('POST /eventsub (signed, deduplicated, queued)', $ours, $anchor, 'GET /api/health');
