# The worker's Twitch service against a fake id server and Helix
# (StreamVault::FakeHelix), in a full stack: app credentials and the public
# URL set through the API; the client secret opened from its sealed form
# (the fake only hands a token for the right one); a streamer added by
# login resolved; the EventSub subscriptions reconciled (3 per streamer,
# verified through nginx's /eventsub, an orphan and a failed one deleted,
# a disabled streamer's deleted, all recreated on resubscribe); a 429
# waited out until Ratelimit-Reset; a 401 answered by one token renewal;
# five 500s opening the circuit breaker (no calls while open, closed again
# once Twitch recovers); and without a public URL, polling that starts a
# recording when the streamer is live and stops it when no longer listed.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use StreamVault::Test qw(wait_for);
use StreamVault::FakeHelix;
use StreamVault::EventSub qw(rfc3339);

alarm 360;
my $stack = StreamVault::Test::stack_object();
my $helix = StreamVault::FakeHelix->new(client_id => 'testclientid0123456789',
                                        client_secret => 'testclientsecret0123456789',
                                        callback_base => $stack->url);
%{ $stack->env } = (%{ $stack->env },
    STREAMVAULT_TWITCH_HELIX_URL    => $helix->helix_url,
    STREAMVAULT_TWITCH_ID_URL       => $helix->id_url,
    STREAMVAULT_TWITCH_POLL_SECONDS => 10,
    # recordings started here must not reach the real Twitch
    STREAMVAULT_TWITCH_GQL_URL      => $helix->url . '/gql',
    STREAMVAULT_TWITCH_USHER_URL    => $helix->url);
$stack->start;
my $admin = $stack->login('admin', $stack->admin_password);
is($admin->{status}, 200, 'the admin logs in');

sub twitch_status { ($stack->api('GET', '/api/system/status', as => $admin)->{json} // {})->{twitch} // {} }
sub helix_calls { grep { $_->{path} =~ m{^/helix/} } $helix->requests(@_) }
sub subs_of { my ($bid) = @_; grep { $_->{condition}{broadcaster_user_id} eq $bid } @{ $helix->subs } }

ok(wait_for(sub { (twitch_status()->{mode} // '') eq 'off' }, 20), 'without credentials: mode off')
    or diag explain twitch_status();

my $callback = 'https://sv.example.org/eventsub';
$helix->set(users => {
    cool_user => { id => '1001', login => 'cool_user', display_name => 'Cool_User', type => '',
                   broadcaster_type => 'partner', description => 'Streams things.',
                   profile_image_url => 'https://static-cdn.jtvnw.net/u/1001-profile_image-300x300.png',
                   offline_image_url => 'https://static-cdn.jtvnw.net/u/1001-channel_offline_image.png',
                   view_count => 5, created_at => '2016-12-14T20:32:28Z' },
    other_guy => { id => '1002', login => 'other_guy', display_name => 'Other_Guy', type => '',
                   broadcaster_type => '', description => '', profile_image_url => '',
                   offline_image_url => '', view_count => 0, created_at => '2017-01-01T00:00:00Z' } });
# made before: one with another callback, one that failed
my $orphan = $helix->add_sub(type => 'stream.online', version => '1', broadcaster_user_id => '1001',
                             callback => 'https://old.example.org/eventsub', status => 'enabled');
my $failed = $helix->add_sub(type => 'stream.offline', version => '1', broadcaster_user_id => '1001',
                             callback => $callback, status => 'notification_failures_exceeded');

my %streamer;
for my $login (qw(cool_user other_guy)) {
    my $r = $stack->api('POST', '/api/streamers', as => $admin, json => { login => $login });
    is($r->{status}, 201, "$login added by login only") or diag $r->{content};
    $streamer{$login} = $r->{json}{id};
}
my $r = $stack->api('PUT', '/api/settings', as => $admin, json => {
    'twitch.client_id' => 'testclientid0123456789', 'twitch.client_secret' => 'testclientsecret0123456789',
    public_base_url => 'https://sv.example.org' });
is($r->{status}, 200, 'credentials and the public URL set') or diag $r->{content};
like($stack->psql(q{SELECT value #>> '{}' FROM settings WHERE key = 'twitch.client_secret'}), qr/^sv1:/,
     'the client secret is stored sealed');

# --- the token, the streamers -------------------------------------------------------------
ok(wait_for(sub { grep { $_->{status} == 200 } $helix->requests(path => '/oauth2/token') }, 20),
   'a token taken with the right secret (the sealed value opened)');
ok(wait_for(sub { $stack->psql(q{SELECT count(*) FROM streamers WHERE twitch_id IS NOT NULL}) == 2 }, 20),
   'both streamers resolved');
is_deeply([ split /\|/, $stack->psql(q{SELECT twitch_id, display_name, description, profile_image_url,
                                              offline_image_url FROM streamers WHERE login = 'cool_user'}) ],
          [ '1001', 'Cool_User', 'Streams things.',
            'https://static-cdn.jtvnw.net/u/1001-profile_image-300x300.png',
            'https://static-cdn.jtvnw.net/u/1001-channel_offline_image.png' ],
          'id, display name, description and images from Helix');

# --- reconciliation -----------------------------------------------------------------------
my @wanted = sort map { my $b = $_; map { "$_ $b" } 'channel.update 2', 'stream.offline 1', 'stream.online 1' }
    qw(1001 1002);
my $mine = sub { sort map { "$_->{type} $_->{version} $_->{condition}{broadcaster_user_id}" }
                 grep { $_->{transport}{callback} eq $callback && $_->{status} eq 'enabled' } @{ $helix->subs } };
ok(wait_for(sub { my @m = $mine->(); "@m" eq "@wanted" && @{ $helix->subs } == 6 }, 30),
   'reconciliation: exactly the 3 x 2 wanted subscriptions, verified through /eventsub')
    or diag explain $helix->subs;
my @deleted = map { $_->{query} } $helix->requests(method => 'DELETE');
ok((grep { $_ eq "id=$orphan->{id}" } @deleted), 'the orphan of another callback deleted');
ok((grep { $_ eq "id=$failed->{id}" } @deleted), 'the failed one deleted (and made again)');
my $secret = $helix->secret_of(($helix->subs->[0] // {})->{id});
like($secret, qr/^[0-9a-f]{64}$/, 'the EventSub secret: 64 hex characters');
my $log = join '', map { StreamVault::Test::slurp("$_") // '' } glob($stack->dir . '/log/worker*');
unlike($log, qr/\Q$secret\E/, 'and never logged') if $secret;
ok(wait_for(sub { my $l = $stack->api('GET', '/api/twitch/subscriptions', as => $admin)->{json} // {};
                  @{ $l->{items} // [] } == 6 && ((($l->{status} // {})->{subscriptions} // $l->{status})->{enabled} // 0) == 6 }, 30),
   'the API lists the mirror: the six, enabled (synced again after the verification)')
    or diag explain $stack->api('GET', '/api/twitch/subscriptions', as => $admin)->{json};

$r = $stack->api('PATCH', "/api/streamers/$streamer{other_guy}", as => $admin, json => { enabled => JSON::PP::false });
is($r->{status}, 200, 'other_guy disabled') or diag $r->{content};
ok(wait_for(sub { !subs_of('1002') && subs_of('1001') == 3 }, 20), "a disabled streamer's three deleted")
    or diag explain $helix->subs;

my %before = map { $_->{id} => 1 } @{ $helix->subs };
$r = $stack->api('POST', '/api/twitch/subscriptions/resubscribe', as => $admin);
is($r->{status}, 202, 'resubscribe asked for') or diag $r->{content};
ok(wait_for(sub { my @s = @{ $helix->subs }; @s == 3 && !grep { $before{ $_->{id} } } @s }, 20),
   'resubscribe: all recreated') or diag explain $helix->subs;

# --- 429: waited until the reset -----------------------------------------------------------
$helix->clear_log;
$helix->rate_limit(reset_in => 3);
my $t0 = time;
%before = map { $_->{id} => 1 } @{ $helix->subs };
$stack->api('POST', '/api/twitch/subscriptions/resubscribe', as => $admin);
ok(wait_for(sub { my @s = @{ $helix->subs }; @s == 3 && !grep { $before{ $_->{id} } } @s }, 30),
   '429: the resubscribe went through');
my @calls = helix_calls();
my ($limited) = grep { $calls[$_]{status} == 429 } 0 .. $#calls;
ok(defined $limited && $calls[$limited + 1], '429: answered, then tried again');
if (defined $limited && $calls[$limited + 1]) {
    my $reset = int($calls[$limited]{t}) + 3;
    cmp_ok($calls[$limited + 1]{t}, '>=', $reset, sprintf('429: the next call waited for Ratelimit-Reset (%.1f s)',
                                                          $calls[$limited + 1]{t} - $calls[$limited]{t}));
    is($calls[$limited + 1]{path}, $calls[$limited]{path}, '429: the same call again');
}

# --- 401: one renewal ----------------------------------------------------------------------
$helix->clear_log;
$helix->invalidate_tokens;
%before = map { $_->{id} => 1 } @{ $helix->subs };
$stack->api('POST', '/api/twitch/subscriptions/resubscribe', as => $admin);
ok(wait_for(sub { my @s = @{ $helix->subs }; @s == 3 && !grep { $before{ $_->{id} } } @s }, 20),
   '401: the resubscribe went through');
my @all = $helix->requests;
is(scalar(grep { $_->{path} eq '/oauth2/token' } @all), 1, '401: one token renewal');
my ($unauth) = grep { $all[$_]{status} == 401 } 0 .. $#all;
ok(defined $unauth && ($all[$unauth + 1]{path} // '') eq '/oauth2/token'
   && $all[$unauth + 2]{path} eq $all[$unauth]{path} && $all[$unauth + 2]{status} == 200,
   '401: renewed, then the same call succeeded') or diag explain \@all;

# --- the circuit breaker -------------------------------------------------------------------
$helix->clear_log;
$helix->fail(count => 5, status => 500);
# a streamer to resolve: tried every few seconds while Helix fails
$stack->api('POST', '/api/streamers', as => $admin, json => { login => 'new_one' });
ok(wait_for(sub { (twitch_status()->{breaker} // '') eq 'open' }, 60), 'five 500s: the breaker opens')
    or diag explain twitch_status();
my $opened = time;
my $n = () = helix_calls();
is($n, 5, 'five calls failed');
sleep 10;
is(scalar(() = helix_calls()), 5, 'no calls while open');
ok(wait_for(sub { (twitch_status()->{breaker} // '') eq 'closed' }, 60),
   sprintf('closed again after the fake recovered (%.0f s)', time - $opened)) or diag explain twitch_status();
ok(wait_for(sub { $stack->psql(q{SELECT twitch_error FROM streamers WHERE login = 'new_one'}) =~ /no Twitch user/ }, 20),
   'and the work resumed (an unknown login recorded as such)');

# --- polling --------------------------------------------------------------------------------
$r = $stack->api('PUT', '/api/settings', as => $admin, json => { public_base_url => undef });
is($r->{status}, 200, 'no public URL') or diag $r->{content};
ok(wait_for(sub { (twitch_status()->{mode} // '') eq 'polling' }, 20), 'mode polling')
    or diag explain twitch_status();
like(twitch_status()->{reason} // '', qr/public_base_url/, 'and why');
ok(wait_for(sub { !@{ $helix->subs } }, 30), 'polling: the subscriptions deleted');
$helix->set(channels => { 1001 => { title => 'Hello there', game_id => '509670', game_name => 'Science & Technology' } },
            live => { 1001 => { id => '5001', started_at => rfc3339(-60) } });
ok(wait_for(sub { $stack->psql(qq{SELECT count(*) FROM recordings WHERE streamer_id = $streamer{cool_user}}) >= 1 }, 30),
   'polling: live -> a recording');
is($stack->psql(q{SELECT title || ' | ' || category_name FROM streams WHERE twitch_stream_id = '5001'}),
   'Hello there | Science & Technology', 'the stream with its title and category');
$helix->set(live => { 1001 => undef });
ok(wait_for(sub { $stack->psql(q{SELECT ended_at IS NOT NULL FROM streams WHERE twitch_stream_id = '5001'}) eq 't' }, 30),
   'polling: no longer listed -> the stream ended');
is($stack->psql(q{SELECT is_live FROM streamers WHERE login = 'cool_user'}), 'f', 'the streamer is offline');

done_testing;
