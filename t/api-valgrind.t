# The API under valgrind: nginx as one process (master_process off), the
# module's paths exercised (login through Redis, the thread pool and
# PostgreSQL; reads, writes and their errors; a client that goes away
# mid-query; event streams: live, replayed, left, and open at the stop),
# then a graceful stop. valgrind must report no error and no
# definitely lost block. Then the whole API suite runs again with its nginx
# under valgrind (the harness fails a file whose nginx valgrind report has
# an error).
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(sleep);
use StreamVault::Test qw(start_stack slurp wait_for run_cmd top_dir);
use StreamVault::SSE;

my $stack = start_stack(env => { SV_NGINX_VALGRIND => 1 }, timeout => 900);

my $admin = $stack->login('admin', $stack->admin_password);
is($admin->{status}, 200, 'login under valgrind');
is($stack->login('admin', 'wrong')->{status}, 401, 'a failed login');
is($stack->api('GET', '/api/auth/me', as => $admin)->{status}, 200, 'me');
is($stack->api('GET', '/api/openapi.json')->{status}, 200, 'the OpenAPI document');
is($stack->api('POST', '/api/streamers', as => $admin,
               json => { login => 'vgstreamer', twitch_id => '777' })->{status}, 201, 'a write');
is($stack->api('GET', '/api/streamers?limit=5&q=vg', as => $admin)->{status}, 200, 'a list with a query');
is($stack->api('GET', '/api/streamers/999999', as => $admin)->{status}, 404, 'an SQL error');
is($stack->api('PUT', '/api/streamers', as => $admin, json => {})->{status}, 405, 'a wrong method');
is($stack->api('POST', '/api/streamers', as => $admin, body => '{"a":',
               headers => { 'Content-Type' => 'application/json' })->{status}, 400, 'bad JSON');
is($stack->api('POST', '/api/streamers', as => $admin, body => 'x=1',
               headers => { 'Content-Type' => 'text/plain' })->{status}, 415, 'not JSON');
is($stack->api('POST', '/api/streamers', as => $admin,
               json => { login => 'x' x 20000 })->{status}, 413, 'too large');
my $t = $stack->api('POST', '/api/tokens', as => $admin, json => { name => 'vg', scopes => ['read'] });
is($t->{status}, 201, 'a token');
is($stack->api('GET', '/api/jobs', token => $t->{json}{token})->{status}, 200, 'a bearer read');
is($stack->api('GET', '/api/system/status', as => $admin)->{status}, 200, 'the status (Redis + disk + SQL)');
is($stack->request('GET', '/eventsub')->{status}, 405, 'EventSub: a wrong method');
is($stack->request('POST', '/eventsub', { content => '{}' })->{status}, 400, 'EventSub: no headers');

# A client that goes away while its query waits.
$stack->psql(q{CREATE OR REPLACE FUNCTION api.jobs_stats(p jsonb) RETURNS jsonb
               LANGUAGE sql AS $$ SELECT jsonb_build_object('slept', pg_sleep(1)::text) $$});
my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $stack->port) or die;
print {$sock} "GET /api/jobs/stats HTTP/1.1\r\nHost: x\r\nCookie: sv_session=$admin->{session}\r\n\r\n";
sleep 0.3;
close $sock;
sleep 1.5;
is($stack->api('GET', '/api/auth/me', as => $admin)->{status}, 200, 'after an abort the API answers');

# Event streams: one hears a change, one replays it, one leaves, one stays
# open until the stop.
my $events = StreamVault::SSE->open($stack, as => $admin, timeout => 30);
is($events->{status}, 200, 'an event stream');
$events->next_frame(30);
$stack->psql(q{SELECT api_internal.event('{"type":"test"}')});
my $heard = $events->next_event(30);
is($heard && $heard->{json}{type}, 'test', 'an event') or diag explain $heard;
my $replay = StreamVault::SSE->open($stack, as => $admin, last_id => $heard->{id} - 1, timeout => 30);
$replay->next_frame(30);
is($replay->next_event(30)->{raw}, $heard->{raw}, 'a replay');
$replay->close;
StreamVault::SSE->open($stack, as => $admin, last_id => 'x', timeout => 30)->close;
is($stack->api('POST', '/api/auth/logout', as => $admin)->{status}, 200, 'logout');

$stack->stop;
# one process (master_process off) exits at once: the stream is cut, and
# valgrind sees the exit with it open
ok($events->drain(30), 'the stop ends the open event stream');
my $report = slurp($stack->dir . '/log/nginx-valgrind.txt') // '';
like($report, qr/ERROR SUMMARY: 0 errors/, 'valgrind: no errors') or diag($report);
unlike($report, qr/definitely lost: [1-9]/, 'valgrind: nothing definitely lost') or diag($report);

for my $file (qw(api-auth.t api-routes.t api-cache.t api-injection.t eventsub.t)) {
    my $r = run_cmd(['perl', top_dir() . "/t/$file"], timeout => 600,
                    env => { SV_NGINX_VALGRIND => 1, SV_TEST_TIMEOUT => 600 });
    is($r->{status}, 0, "t/$file passes with nginx under valgrind") or diag("$r->{out}$r->{err}");
}

done_testing;
