# The workers' recent warnings and errors in GET /api/system/status: the
# worker keeps its WARN and ERROR lines in memory and pushes them onto the
# Redis list streamvault:logs (trimmed to 200); the module passes the newest
# 100 to api.system_status, which answers them as "logs", newest first.
# Whatever else is in that key (not JSON, JSON PostgreSQL refuses, huge
# lines, another type) is left out and never breaks the answer; so is
# whatever is not a heartbeat under streamvault:worker:*. Real PostgreSQL,
# Redis, nginx and the sanitizer worker.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP qw(encode_json);
use StreamVault::Test qw(start_stack wait_for);

my $stack = start_stack();
my $admin = $stack->login('admin', $stack->admin_password);
is($admin->{status}, 200, 'logged in') or BAIL_OUT('no session');

# the answer, or {} (so that every check on it fails) with the reason shown
sub status {
    my $r = $stack->api('GET', '/api/system/status', as => $admin);
    return $r->{json} if $r->{status} == 200;
    diag("GET /api/system/status: $r->{status} $r->{content}");
    return {};
}
sub logs { status()->{logs} }

# A job the worker refuses is one warning: "rejected an injected job".
my $n = 0;
sub warn_once {
    $n++;
    $stack->redis('LPUSH', 'streamvault:inbox', "not a job $n");
}
sub rejected { grep { ($_->{msg} // '') eq 'rejected an injected job' } @{ $_[0] // [] } }

my $worker;
ok(wait_for(sub { $worker = status()->{workers}[0]{worker_id} }, 20), 'the worker beats');
is_deeply(logs(), [], 'no warnings yet: an empty list');

warn_once();
my $logs;
ok(wait_for(sub { $logs = logs(); rejected($logs) == 1 }, 20), "the worker's warning arrives")
    or diag(explain($logs));
my ($line) = rejected($logs);
is($line->{worker}, $worker, 'with the worker that logged it');
is($line->{level}, 'warn', 'its level');
like($line->{ts}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'its time');
like($line->{reason} // '', qr/JSON/, 'and its fields');
ok($line->{pid} > 0, 'and the pid');

warn_once();
ok(wait_for(sub { $logs = logs(); rejected($logs) == 2 }, 20), 'a second one');
is((rejected($logs))[0]{bytes}, length('not a job 2'), 'newest first');

# --- bounds -----------------------------------------------------------------------------

$stack->redis('LPUSH', 'streamvault:logs',
              map { encode_json({ ts => '2026-01-01T00:00:00Z', level => 'error', msg => "pushed $_" }) } 1 .. 250);
$logs = logs();
is(scalar @$logs, 100, 'the answer holds the newest 100');
is($logs->[0]{msg}, 'pushed 250', 'newest first');
is($logs->[99]{msg}, 'pushed 151', 'down to the 100th');
warn_once();
ok(wait_for(sub { rejected(logs()) }, 20), 'a new warning comes first')
    or diag(explain(logs()));
is($stack->redis('LLEN', 'streamvault:logs'), 200, 'the worker trims the list to 200');

# --- whatever else Redis holds ---------------------------------------------------------

my $good = encode_json({ ts => '2026-01-01T00:00:00Z', level => 'warn', msg => 'good', worker => 'w' });
$stack->redis('DEL', 'streamvault:logs');
$stack->redis('RPUSH', 'streamvault:logs',
    'not JSON', '[1,2]', '"a string"', '42', 'null', '{"a":1} trailing', '{"a":',
    '{"lone":"\ud800"}',                   # PostgreSQL refuses a lone surrogate
    '{"big":1e999999}',                    # and a number beyond its range
    '{"grows":1e131071}',                  # 17 bytes that would be 128 KB
    '{"nul":"a\u0000b"}',                  # no NUL in PostgreSQL's text
    "{\"bytes\":\"\xff\xfe\"}",            # not UTF-8
    '{"deep":' . ('[' x 100) . (']' x 100) . '}',
    encode_json({ msg => 'x' x 5000 }),    # longer than any worker line
    $good);
$logs = logs();
is_deeply($logs, [{ ts => '2026-01-01T00:00:00Z', level => 'warn', msg => 'good', worker => 'w' }],
          'garbage is left out; the JSON object stays') or diag(explain($logs));

$stack->redis('DEL', 'streamvault:logs');
$stack->redis('SET', 'streamvault:logs', 'a string, not a list');
is_deeply(logs(), [], 'a key of another type: no logs, and an answer');
$stack->redis('DEL', 'streamvault:logs');
$stack->redis('HSET', 'streamvault:logs', 'a', 'b');
is_deeply(logs(), [], 'a hash neither');
warn_once();
ok(wait_for(sub { rejected(logs()) }, 20), 'the worker replaces it with its list');
is($stack->redis('TYPE', 'streamvault:logs'), 'list', 'a list again');

# --- what else is kept where heartbeats are ------------------------------------------

my %beat = (lone => '{"lone":"\ud800"}', big => '{"big":1e999999}', grows => '{"grows":1e131071}',
            bytes => "{\"bytes\":\"\xff\xfe\"}", text => 'not JSON', array => '[1]',
            huge => encode_json({ worker_id => 'huge', pad => 'x' x 5000 }),
            good => encode_json({ worker_id => 'good', pid => 1 }));
$stack->redis('SET', "streamvault:worker:$_", $beat{$_}) for sort keys %beat;
$stack->redis('HSET', 'streamvault:worker:hash', 'a', 'b');
my $workers = status()->{workers};
is_deeply([sort map { $_->{worker_id} } @{ $workers // [] }], [sort 'good', $worker],
          'heartbeats PostgreSQL would refuse, garbage, huge ones and other types are left out; '
          . 'the rest are answered') or diag(explain($workers));
$stack->redis('DEL', map { "streamvault:worker:$_" } 'hash', keys %beat);

done_testing;
