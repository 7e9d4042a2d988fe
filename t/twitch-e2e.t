# Twitch, end to end, in a full stack: a streamer added by login is resolved
# through the fake Helix, its three EventSub subscriptions are created and
# verified by the fake Twitch through nginx's /eventsub with the secret the
# worker made; a stream.online signed with that secret starts a real
# recording of the fake Twitch channel through the recorder; re-sent
# events (a new message id for the same stream, the same message id again)
# start nothing more; an unknown broadcaster is ignored; the recording asks
# Twitch with the user token stored sealed in the settings; a channel.update
# mid-stream becomes a chapter of the final file, and stream.offline ends
# the recording, which becomes a library item.
use strict;
use warnings;
use utf8;
use lib 't/lib';
use Test::More;
binmode Test::More->builder->$_, ':encoding(UTF-8)' for qw(output failure_output todo_output);
use JSON::PP qw(decode_json);
use Time::HiRes qw(sleep);
use StreamVault::Test qw(wait_for run_cmd);
use StreamVault::EventSub qw(fixture rfc3339 open_sealed);
use StreamVault::TwitchStack;

alarm 300;
my $t = StreamVault::TwitchStack->new(
    channels => { cool_user => { script => [ [content => 60], [offline => undef] ] } });
my ($tw, $stack, $helix) = ($t->tw, $t->stack, $t->helix);
$stack->start;
my $dir = $stack->dir;
my $admin = $stack->login('admin', $stack->admin_password);
is($admin->{status}, 200, 'the admin logs in');

$t->helix_knows_cool_user;

my $r = $stack->api('POST', '/api/streamers', as => $admin, json => { login => 'cool_user' });
is($r->{status}, 201, 'the streamer is added by login') or diag $r->{content};
my $streamer = $r->{json}{id};
$r = $t->enable_twitch($admin);
is($r->{status}, 200, 'the Twitch app, a user token and the public URL are set') or diag $r->{content};

ok(wait_for(sub { $stack->psql("SELECT twitch_id FROM streamers WHERE id = $streamer") eq '1337' }, 30),
   'the worker resolves the login to its Twitch id');
my $secret = $t->eventsub_secret(30);
ok($secret, 'three subscriptions, verified through /eventsub') or diag explain $helix->subs;
is(join(' ', sort map { "$_->{type}/$_->{version}" } $t->enabled_subs),
   'channel.update/2 stream.offline/1 stream.online/1', 'online, offline and channel.update v2');
is(join(' ', sort map { $_->{transport}{callback} } $t->enabled_subs),
   join(' ', ('https://sv.example.org/eventsub') x 3), 'all with the public callback');

# The secret Twitch was given is the one the worker stored, sealed.
like($secret, qr/^[0-9a-f]{64}$/, 'the EventSub secret: 64 hex characters');
my $stored = $stack->psql(q{SELECT value #>> '{}' FROM settings WHERE key = 'twitch.eventsub_secret'});
unlike($stored, qr/\Q$secret\E/, 'it is not stored in clear');
is(open_sealed("$dir/secret", 'twitch.eventsub_secret', $stored), $secret, 'it is stored sealed');
ok(wait_for(sub { ($stack->api('GET', '/api/system/status', as => $admin)->{json}{twitch}{mode} // '') eq 'eventsub' },
            20), 'system status: EventSub is active');

sub deliver { $t->deliver(@_) }
sub recordings { $stack->psql("SELECT count(*) FROM recordings WHERE streamer_id = $streamer") }
sub eventsub_jobs_done { $stack->psql(q{SELECT count(*) FROM jobs WHERE type = 'eventsub' AND state = 'succeeded'}) }

# --- online ---------------------------------------------------------------------------------
my $started = rfc3339();
$helix->set(live => { 1337 => { id => '9001', started_at => $started, title => 'Opening title',
                                game_id => '509658', game_name => 'Just Chatting' } });
my $online = fixture('stream-online', event => { id => '9001', broadcaster_user_id => '1337', started_at => $started });
my $first_id = StreamVault::EventSub::message_id();
is(deliver($online, id => $first_id)->{status}, 204, 'stream.online: 204');
ok(wait_for(sub { $stack->psql("SELECT state FROM recordings WHERE streamer_id = $streamer") eq 'recording' }, 30),
   'a recording of the streamer runs');
my $rec = $stack->psql("SELECT id FROM recordings WHERE streamer_id = $streamer");
ok(wait_for(sub { $stack->psql("SELECT bytes FROM recordings WHERE id = $rec") > 0 }, 20),
   'it writes the fake channel\'s segments');
my @gql = $tw->requests(kind => 'gql', channel => 'cool_user', status => 200);
ok(@gql, 'it asked GQL for the playback token');
is_deeply([ grep { $_ ne 'OAuth ' . $t->user_token } map { $_->{authorization} } @gql ], [],
          'with the user token, opened from the setting, "oauth:" dropped');
my $token = $t->user_token;
unlike($stack->log_text('worker.log'), qr/\Q$token\E/, 'the token is not in the worker\'s log');

is(deliver($online)->{status}, 204, 'the same stream with a new message id: 204');
is(deliver($online, id => $first_id)->{status}, 204, 'the same message id again: 204');
is(deliver(fixture('stream-online', event => { id => '7777', broadcaster_user_id => '424242' }))->{status}, 204,
   'an unknown broadcaster: 204');
ok(wait_for(sub { eventsub_jobs_done() == 2 }, 20), 'two eventsub jobs ran: the first delivery and the stranger');
sleep 1;
is(eventsub_jobs_done(), 2, 'the re-sent deliveries queued nothing');
is(recordings(), 1, 'one recording of the broadcast');
is($stack->psql(q{SELECT count(*) FROM jobs WHERE type = 'record'}), 1, 'one record job');
is($stack->psql(q{SELECT count(*) FROM streamers}), 1, 'the stranger made no streamer');
ok(wait_for(sub { $stack->psql("SELECT title FROM streams WHERE twitch_stream_id = '9001'") eq 'Opening title' }, 20),
   'the stream\'s title comes from Helix channels');

# --- a title change, then the end -------------------------------------------------------
ok(wait_for(sub { $stack->psql("SELECT duration_ms FROM recordings WHERE id = $rec") >= 6000 }, 30),
   'six seconds recorded');
my $update = fixture('channel-update-v2', event => { broadcaster_user_id => '1337', title => 'Second half',
                                                     category_id => '509670', category_name => 'Science & Technology' });
is(deliver($update)->{status}, 204, 'channel.update: 204');
ok(wait_for(sub { $stack->psql(q{SELECT count(*) FROM stream_events WHERE kind = 'update'}) == 1 }, 20),
   'an update event of the stream');
ok(wait_for(sub { $stack->psql("SELECT duration_ms FROM recordings WHERE id = $rec") >= 12000 }, 30),
   'six more seconds recorded');
$helix->set(live => {});
is(deliver(fixture('stream-offline', event => { broadcaster_user_id => '1337' }))->{status}, 204, 'stream.offline: 204');
ok(wait_for(sub { $stack->psql("SELECT state FROM recordings WHERE id = $rec") eq 'ready' }, 120),
   'the recording ends and becomes a library item')
    or diag $stack->psql("SELECT state, error, end_reason FROM recordings WHERE id = $rec");
is($stack->psql("SELECT end_reason FROM recordings WHERE id = $rec"), 'stopped', 'it ended because the stream did');
is($stack->psql("SELECT is_live FROM streamers WHERE id = $streamer"), 'f', 'the streamer is offline');

my $file = $stack->psql("SELECT file_path FROM recordings WHERE id = $rec");
my $probe = run_cmd(['ffprobe', '-v', 'error', '-print_format', 'json', '-show_chapters', "$dir/media/$file"],
                    timeout => 30);
my @chapters = @{ (eval { decode_json($probe->{out}) } // {})->{chapters} // [] };
is(scalar @chapters, 2, 'two chapters in the final file') or diag $probe->{out} . $probe->{err};
like($chapters[0]{tags}{title} // '', qr/^Opening title — Just Chatting$/, 'the first: the title at the start');
like($chapters[1]{tags}{title} // '', qr/^Second half — Science & Technology$/, 'the second: the channel.update');
# at the wall-clock time of the event after the start (the media begins a
# little earlier: the playlist's backlog)
ok(($chapters[1]{start_time} // 0) >= 4, "the second starts mid-stream ($chapters[1]{start_time} s)");

done_testing;
