# POST /api/twitch/lookup: the web UI shows a Twitch login's name and avatar
# before it is added. The API records the request; the leading worker asks
# the fake Helix within about a second, the answer comes on the event
# stream and from the API, kept for an hour; refused while Twitch is not
# set up, for bad logins, for viewers; a login already added says so.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use StreamVault::Test qw(wait_for);
use StreamVault::SSE;
use StreamVault::TwitchStack;

alarm 180;
my $t = StreamVault::TwitchStack->new(channels => {});
my $stack = $t->stack;
$stack->start;
my $admin = $stack->login('admin', $stack->admin_password);
is($admin->{status}, 200, 'the admin logs in');
my $lookup = sub { $stack->api('POST', '/api/twitch/lookup', as => $admin, json => { login => $_[0] }) };

my $r = $lookup->('cool_user');
is($r->{status}, 409, 'Twitch not set up: 409') or diag $r->{content};
like($r->{json}{error}{message}, qr/Twitch is not set up/, 'saying why');

is($t->enable_twitch($admin)->{status}, 200, 'the Twitch app is set up');
$t->helix_knows_cool_user;
$t->helix->set(users => { alice_42 => { id => '4242', login => 'alice_42', display_name => "Alice \x{2728}",
                                        description => "line one\nline two", type => '', broadcaster_type => '',
                                        profile_image_url => 'https://static-cdn.jtvnw.net/a.png',
                                        offline_image_url => '', view_count => 0,
                                        created_at => '2020-01-01T00:00:00Z' } });
ok(wait_for(sub { $stack->psql(q{SELECT st.status ->> 'mode' FROM twitch.state st}) =~ /eventsub|polling/ }, 30),
   'the Twitch service runs');

for my $bad ('', 'a' x 26, 'bad login', 'x;drop', 'ü') {
    is($lookup->($bad)->{status}, 422, "login '$bad' is refused");
}
is($stack->api('POST', '/api/twitch/lookup', as => $admin, json => { login => 'a', extra => 1 })->{status},
   422, 'an unknown field is refused');

my $events = StreamVault::SSE->open($stack, as => $admin);
$events->next_frame(5);

my $t0 = time;
$r = $lookup->('Alice_42');
is($r->{status}, 200, 'a lookup is taken');
is($r->{json}{state}, 'pending', 'pending at first');
is($r->{json}{login}, 'alice_42', 'the login, lower-cased');
my $f;
do { $f = $events->next_event(10) } while ($f && $f->{json}{type} ne 'twitch_user');
is_deeply([@{ $f->{json} }{qw(login found)}], ['alice_42', JSON::PP::true()], 'the answer comes on the event stream')
    or diag explain $f;
cmp_ok(time - $t0, '<', 5, 'within seconds');
$r = $lookup->('alice_42');
is($r->{json}{state}, 'found', 'then the API has it');
is($r->{json}{user}{display_name}, "Alice \x{2728}", 'the display name');
is($r->{json}{user}{profile_image_url}, 'https://static-cdn.jtvnw.net/a.png', 'the avatar');
is($r->{json}{user}{description}, 'line one line two', 'the description, on one line');
is($r->{json}{user}{id}, '4242', 'the Twitch id');
ok(!defined $r->{json}{streamer_id}, 'not a streamer yet');
my $asked = () = $t->helix->requests(path => qr{^/helix/users});
$lookup->('alice_42');
is(scalar(() = $t->helix->requests(path => qr{^/helix/users})), $asked, 'a second lookup is answered from the hour kept');

$r = $lookup->('nobody_here');
ok(wait_for(sub { $lookup->('nobody_here')->{json}{state} ne 'pending' }, 10), 'an unknown login is answered');
is($lookup->('nobody_here')->{json}{state}, 'missing', 'as missing');

# a login added already says so
is($stack->api('POST', '/api/streamers', as => $admin, json => { login => 'cool_user' })->{status}, 201,
   'cool_user is added');
$r = $lookup->('cool_user');
ok(wait_for(sub { ($r = $lookup->('cool_user'))->{json}{state} eq 'found' }, 10), 'cool_user is looked up');
is($r->{json}{streamer_id}, $stack->psql(q{SELECT id FROM streamers WHERE login = 'cool_user'}),
   'with the streamer it is already');

# viewers may not; a flood is bounded
is($stack->api('POST', '/api/users', as => $admin,
               json => { username => 'viewer1', password => 'viewer-password', role => 'viewer' })->{status}, 201,
   'a viewer is made');
my $viewer = $stack->login('viewer1', 'viewer-password');
is($stack->api('POST', '/api/twitch/lookup', as => $viewer, json => { login => 'x' })->{status}, 403,
   'a viewer may not look up');
$stack->psql(q{INSERT INTO twitch.user_lookups (login) SELECT 'flood' || g FROM generate_series(1, 100) g});
is($lookup->('one_more')->{status}, 429, '100 waiting lookups: 429');
ok(wait_for(sub { $stack->psql(q{SELECT count(*) FROM twitch.user_lookups WHERE looked_up_at IS NULL}) == 0 }, 15),
   'the worker answers them all, 100 at a time');
is($lookup->('one_more')->{status}, 200, 'then lookups are taken again');
$events->close;

done_testing;
