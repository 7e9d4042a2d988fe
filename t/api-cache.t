# Repeated reads of unchanged data are answered by nginx without
# PostgreSQL (per-worker cache, dropped on every change notification and on
# writes), carry an ETag, and answer If-None-Match with 304. An entry only
# ever answers the credential it was authorized for.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use IPC::Open2 qw(open2);
use Time::HiRes qw(time sleep);
use StreamVault::Test qw(start_stack wait_for);

my $stack = start_stack();
my $admin = $stack->login('admin', $stack->admin_password);
$stack->api('POST', '/api/streamers', as => $admin, json => { login => 'first', twitch_id => '1' });

my $res = $stack->api('GET', '/api/streamers', as => $admin);
is($res->{status}, 200, 'a read');
my $etag = $res->{headers}{etag};
like($etag // '', qr/^"[0-9a-f]{8}"$/, 'has an ETag');
my $again = $stack->api('GET', '/api/streamers', as => $admin, headers => { 'If-None-Match' => $etag });
is($again->{status}, 304, 'If-None-Match with it: 304');
is($again->{content} // '', '', 'without a body');

# With the table locked, only an answer that does not ask PostgreSQL comes.
$stack->api('GET', '/api/streamers', as => $admin);
my $pid = open2(my $out, my $in, 'psql', '-XAtq', '-h', $stack->pg_socket, '-U', 'streamvault', '-d', 'streamvault');
StreamVault::Test::track_child($pid);
print {$in} "BEGIN; LOCK TABLE streamers IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n";
$in->flush;
is(scalar <$out>, "locked\n", 'streamers is locked by another session');
my $t0 = time;
$res = $stack->api('GET', '/api/streamers', as => $admin);
my $took = time - $t0;
is($res->{status}, 200, 'the repeated read is answered');
ok($took < 0.5, sprintf('at once (%.3f s), without PostgreSQL', $took));
print {$in} "ROLLBACK;\n";
close $in;
waitpid($pid, 0);

# A write through the API is seen by the next read.
$stack->api('POST', '/api/streamers', as => $admin, json => { login => 'second', twitch_id => '2' });
$res = $stack->api('GET', '/api/streamers', as => $admin);
is($res->{json}{total}, 2, 'a write through the API is seen at once');
isnt($res->{headers}{etag}, $etag, 'with a new ETag');

# A change made elsewhere (the worker, psql) is heard through LISTEN.
$stack->psql("UPDATE streamers SET display_name = 'Changed Elsewhere' WHERE login = 'first'");
ok(wait_for(sub { $stack->api('GET', '/api/streamers', as => $admin)->{content} =~ /Changed Elsewhere/ }, 3),
   'a change made directly in PostgreSQL is seen');

# Entries answer only their own credential.
$stack->api('POST', '/api/users', as => $admin,
            json => { username => 'viewer1', password => 'viewer password', role => 'viewer' });
my $viewer = $stack->login('viewer1', 'viewer password');
is($stack->api('GET', '/api/auth/me', as => $admin)->{json}{user}{username}, 'admin', 'me: admin');
is($stack->api('GET', '/api/auth/me', as => $viewer)->{json}{user}{username}, 'viewer1', 'me: the viewer, not the cached admin');
is($stack->api('GET', '/api/auth/me', as => $admin)->{json}{user}{username}, 'admin', 'me: admin again');

# A session that ends is not served from the cache.
$stack->api('GET', '/api/streamers', as => $viewer);
$stack->psql("DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = 'viewer1')");
ok(wait_for(sub { $stack->api('GET', '/api/streamers', as => $viewer)->{status} == 401 }, 3),
   'a session deleted in PostgreSQL no longer reads from the cache');

# PostgreSQL gone: nobody listens, so nothing is served from the cache.
$stack->api('GET', '/api/streamers', as => $admin);
my $pg = $stack->pid('pg');
kill 'INT', $pg;
ok(wait_for(sub { !StreamVault::Test::alive($pg) }, 20), 'PostgreSQL stopped');
is($stack->api('GET', '/api/streamers', as => $admin)->{status}, 503, 'reads answer 503, not stale data');
is($stack->api('GET', '/api/health')->{json}{postgres}, 'down', '/api/health says PostgreSQL is down');
$stack->start_components('pg');
ok(wait_for(sub { $stack->api('GET', '/api/streamers', as => $admin)->{status} == 200 }, 10), 'and recover');
is($stack->api('GET', '/api/health')->{json}{postgres}, 'up', 'and that it is up again');

done_testing;
