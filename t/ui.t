# The web UI in headless Chromium (StreamVault::Browser: Debian's chromium
# driven by playwright-core), against a stack whose Twitch is the fake one:
# the admin logs in, types a channel URL and sees the name Twitch gives it
# (looked up by the worker in the fake Helix) before adding it, then sees
# the worker resolve the streamer added; a signed stream.online flips
# its live badge without a reload (the event stream); after a channel.update
# and stream.offline the recording becomes a library item, which the
# library opens: hls.js plays it (currentTime advances), its two chapters
# are listed and the seek bar shows scrub thumbnails; the library filters it
# by a category it had, and the settings page previews a typed file name
# template as the server renders it. No console error, no
# page error and no CSP violation on the way. Screenshots of every main
# page at 1280x800 and 390x844 go to the test's directory (printed).
use strict;
use warnings;
use utf8;
use lib 't/lib';
use Test::More;
binmode Test::More->builder->$_, ':encoding(UTF-8)' for qw(output failure_output todo_output);
use StreamVault::Browser;
use StreamVault::EventSub qw(fixture rfc3339);
use File::Path qw(make_path remove_tree);
use StreamVault::Test qw(build_dir wait_for);
use StreamVault::TwitchStack;

# make test installs them (configure --install-deps, npm ci): a missing one
# is a broken setup, not a reason to pass
if (my $why = StreamVault::Browser::missing()) {
    BAIL_OUT("the UI test cannot run: $why");
}
alarm 300;

my $t = StreamVault::TwitchStack->new(
    channels => { cool_user => { script => [ [content => 60], [offline => undef] ] } });
my $stack = $t->stack;
$stack->start;
my $admin = $stack->login('admin', $stack->admin_password);
is($admin->{status}, 200, 'the admin logs in through the API');
is($t->enable_twitch($admin)->{status}, 200, 'the Twitch app, a user token and the public URL are set');
$t->helix_knows_cool_user;

# kept after the test, replaced by the next run
my $shots = build_dir() . '/t/ui';
remove_tree($shots);
make_path($shots);
diag "screenshots in $shots";
my $ui = StreamVault::Browser->start(url => $stack->url, out => $shots);

sub step {
    my ($name, $cmd, %args) = @_;
    my $r = $ui->call($cmd, %args);
    ok($r->{ok}, $name) or diag "$cmd: $r->{error}";
    return $r;
}

step('the admin logs in through the login page', 'login', username => 'admin', password => $stack->admin_password);
step('screenshots of the dashboard', 'screenshot', name => 'dashboard');

ok(wait_for(sub { $stack->psql(q{SELECT st.status ->> 'mode' FROM twitch.state st}) eq 'eventsub' }, 30),
   'the worker runs the Twitch service');
my $added = step('the streamer is added by its channel URL on the streamers page', 'add_streamer',
                 login => 'cool_user', timeout => 15);
is($added->{preview}, 'Cool_User', 'its name at Twitch is shown before it is saved');
my $streamer = $added->{id};
ok($streamer && $stack->psql("SELECT login FROM streamers WHERE id = $streamer") eq 'cool_user',
   'it is in the database');
step('the worker resolves it: its Twitch display name appears', 'wait_streamer_name',
     login => 'cool_user', name => 'Cool_User', timeout => 30);
ok($t->eventsub_secret(30), 'its EventSub subscriptions are verified through /eventsub')
    or diag explain $t->helix->subs;
my $offline = step('the badge says offline', 'wait_live', login => 'cool_user', live => 'false', timeout => 5);
is($offline->{text}, 'Offline', 'Offline');

# --- the stream goes live -----------------------------------------------------------
my $started = rfc3339();
$t->helix->set(live => { 1337 => { id => '9001', started_at => $started, title => 'Opening title',
                                   game_id => '509658', game_name => 'Just Chatting' } });
is($t->deliver(fixture('stream-online', event => { id => '9001', broadcaster_user_id => '1337',
                                                   started_at => $started }))->{status},
   204, 'a signed stream.online is accepted');
my $live = step('the live badge flips without a reload', 'wait_live', login => 'cool_user', live => 'true',
                timeout => 30);
is($live->{text}, 'Live', 'it says Live');
ok($live->{same_document}, 'in the same document: nothing reloaded');
ok(wait_for(sub { $stack->psql("SELECT state FROM recordings WHERE streamer_id = $streamer") eq 'recording' }, 30),
   'a recording of the streamer runs');
my $rec = $stack->psql("SELECT id FROM recordings WHERE streamer_id = $streamer");
step('screenshots of the streamers page, live', 'screenshot', name => 'streamers');

# --- a chapter, the end, the library --------------------------------------------------
ok(wait_for(sub { ($stack->psql("SELECT duration_ms FROM recordings WHERE id = $rec") || 0) >= 5000 }, 30),
   'five seconds recorded');
is($t->deliver(fixture('channel-update-v2', event => { broadcaster_user_id => '1337', title => 'Second half',
                                                       category_id => '509670',
                                                       category_name => 'Science & Technology' }))->{status},
   204, 'channel.update: 204');
ok(wait_for(sub { $stack->psql(q{SELECT count(*) FROM stream_events WHERE kind = 'update'}) == 1 }, 20),
   'the title change is an event of the stream');
ok(wait_for(sub { ($stack->psql("SELECT duration_ms FROM recordings WHERE id = $rec") || 0) >= 10000 }, 30),
   'five more seconds recorded');
$t->helix->set(live => {});
is($t->deliver(fixture('stream-offline', event => { broadcaster_user_id => '1337' }))->{status}, 204,
   'stream.offline: 204');
step('the live badge goes back to offline', 'wait_live', login => 'cool_user', live => 'false', timeout => 30);
ok(wait_for(sub { $stack->psql("SELECT state FROM recordings WHERE id = $rec") eq 'ready' }, 120),
   'the recording becomes a library item')
    or diag $stack->psql("SELECT state, error, end_reason FROM recordings WHERE id = $rec");

my $play = step('the library opens the recording and the player plays it', 'play_recording', id => $rec,
                timeout => 30);
ok(($play->{t2} // 0) > ($play->{t1} // 0), "currentTime advances ($play->{t1} s, then $play->{t2} s)")
    if $play->{ok};
my @chapters = @{ $play->{chapters} // [] };
is(scalar @chapters, 2, 'two chapters listed') or diag explain \@chapters;
like($chapters[0] // '', qr/^0:00 Opening title — Just Chatting$/, 'the first: the opening title');
like($chapters[1] // '', qr/^0:\d\d Second half — Science & Technology$/, 'the second: the channel.update');
like($play->{sprite} // '', qr/\.sprite\.jpg/, 'the seek bar shows a scrub thumbnail from the sprite');
step('screenshots of the recording', 'screenshot', name => 'recording');

my $cat = step('the library filters by the category the recording had', 'library_category',
               category => 'Science & Technology', timeout => 15);
is_deeply($cat->{ids}, [$rec], 'it shows that recording');
my $template = '{streamer}/UI check {id}';
my $preview = step('the settings page previews a typed template', 'template_preview',
                   template => $template, marker => 'UI check', timeout => 15);
my $want = $stack->api('GET', '/api/settings/template_preview?'
                       . StreamVault::Test::http()->www_form_urlencode({ template => $template }), as => $admin);
is($preview->{path}, $want->{json}{path}, "the path the server renders: $want->{json}{path}")
    or diag $want->{content};

for my $page ([Library => 'library'], [Queue => 'queue'], [Schedules => 'schedules'], [Settings => 'settings'],
              ['API tokens' => 'tokens'], [System => 'status']) {
    my ($link, $file) = @$page;
    step("the menu opens $link", 'goto_page', name => $link);
    step("screenshots of $link", 'screenshot', name => $file);
}

my $problems = $ui->call('problems');
ok($problems->{ok}, 'the driver reports what the page logged');
is_deeply($problems->{problems}, [], 'no console error, page error or CSP violation')
    or diag explain $problems->{problems};
$ui->stop;

my @files = glob("$shots/*.png");
cmp_ok(scalar @files, '>=', 18, scalar(@files) . ' screenshots written');

done_testing;
