# Retention deletes exactly the expected files and rows. A whole stack
# (PostgreSQL, Redis, nginx, the sanitizer worker): streamers with their own
# and the global policy, recordings in every state with real files under
# the media root. A dry run (injected with real redis-cli) changes nothing
# and names the right recordings; the real run deletes exactly their files
# and rows, leaves every recording that is not ready alone (the oldest and
# biggest among them), honours a streamer's 0 over a global limit, and
# follows no symlink out of the media root. DELETE /api/recordings/{id}
# ends with the recording's files and row gone.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use File::Find qw(find);
use File::Path qw(make_path);
use JSON::PP qw(decode_json);
use StreamVault::Test qw(start_stack wait_for slurp spurt);

my $stack = start_stack(timeout => 180);
my $dir = $stack->dir;
my $media = "$dir/media";
my $outside = "$dir/outside";
make_path("$media/library", $outside);

# As root the stack's daemons run as nobody: the files must be theirs to
# delete (those outside too, so that following a link would show).
my @owner = $> == 0 ? (getpwnam('nobody'))[2, 3] : ();
sub own { chown(@owner, @_) if @owner }

# --- the events, as a subscriber sees them ------------------------------------
my $events = "$dir/log/events.txt";
my $subscriber = fork // die "fork: $!";
if ($subscriber == 0) {
    open STDOUT, '>', $events or die;
    exec 'redis-cli', '-s', $stack->redis_socket, 'SUBSCRIBE', 'streamvault:events' or die "exec: $!";
}
StreamVault::Test::track_child($subscriber);
ok(wait_for(sub { (slurp($events) // '') =~ /subscribe/ }, 10), 'subscribed to streamvault:events');
sub retention_events {
    # a line still being written does not parse yet
    return grep { defined } map { eval { decode_json($_) } } grep { /^\{"seq":\d+,"type":"retention"/ } split /\n/, slurp($events) // '';
}

# --- the library ----------------------------------------------------------------
sub sql { $stack->psql($_[0]) }

sub streamer {
    my ($login, $retention) = @_;
    my $n = ++$main::streamers;
    return sql("INSERT INTO streamers (platform, twitch_id, login, retention)
                VALUES ('twitch', '$n', '$login', '$retention') RETURNING id");
}

# A file of $size bytes under the media root (a path relative to it).
sub file {
    my ($rel, $size) = @_;
    my $path = "$media/$rel";
    (my $folder = $path) =~ s{/[^/]+\z}{};
    make_path($folder);
    spurt($path, 'x' x $size);
}

# A recording with its video and fragment index (both real files unless
# no_files) and any extra assets [kind, path, bytes].
our $streamers = 0;
my %rid;
sub recording {
    my (%o) = @_;
    my $sid = defined $o{streamer} ? $o{streamer} : 'NULL';
    my $video = $o{video};
    my $size = $o{bytes} // 100;
    if (!$o{no_files}) {
        file($video, $size);
        file("$video.index.json", 10);
    }
    my $raw = defined $o{raw_dir} ? "'$o{raw_dir}'" : 'NULL';
    my $id = sql("INSERT INTO recordings (streamer_id, state, title, file_path, raw_dir, bytes, ended_at)
                  VALUES ($sid, '$o{state}', '$o{name}', '$video', $raw, $size,
                          now() - interval '$o{days} days') RETURNING id");
    sql("INSERT INTO media_assets (recording_id, kind, path, bytes, mime_type)
         VALUES ($id, 'fragment_index', '$video.index.json', 10, 'application/json')");
    for my $a (@{ $o{assets} // [] }) {
        sql("INSERT INTO media_assets (recording_id, kind, path, bytes, mime_type)
             VALUES ($id, '$a->[0]', '$a->[1]', $a->[2], 'image/jpeg')");
    }
    $rid{ $o{name} } = $id;
    return $id;
}
sub ep { my ($login, $season, $n, $title) = @_; "library/$login/Season $season/$login - S${season}E0$n - $title.mp4" }

# Global: 30 days, 5000 bytes, no count limit.
sql(q{INSERT INTO settings (key, value) VALUES ('retention.max_age_days', '30'),
      ('retention.max_bytes', '5000'), ('retention.max_count', 'null')});

# alice keeps her 2 newest; the global age applies too.
my $alice = streamer('alice', '{"max_count": 2}');
file('library/alice/poster.jpg', 50);
file('library/alice/tvshow.nfo', 20);
recording(name => 'a1', streamer => $alice, state => 'ready', days => 1, video => ep('alice', 202611, 1, 'One'),
          assets => [['poster', 'library/alice/poster.jpg', 50]]);
recording(name => 'a2', streamer => $alice, state => 'ready', days => 2, video => ep('alice', 202611, 2, 'Two'));
recording(name => 'a3', streamer => $alice, state => 'ready', days => 3, video => ep('alice', 202611, 3, 'Three'),
          assets => [['poster', 'library/alice/poster.jpg', 50]]);
recording(name => 'a4', streamer => $alice, state => 'processing', days => 100, video => ep('alice', 202608, 4, 'Processing'));
recording(name => 'a5', streamer => $alice, state => 'failed', days => 200, video => ep('alice', 202605, 5, 'Failed'));
recording(name => 'a6', streamer => $alice, state => 'ready', days => 40, video => ep('alice', 202610, 6, 'Old'));

# bob opts out of the global age with 0.
my $bob = streamer('bob', '{"max_age_days": 0}');
recording(name => 'b1', streamer => $bob, state => 'ready', days => 400, video => ep('bob', 202510, 1, 'Ancient'));
recording(name => 'b2', streamer => $bob, state => 'recording', days => 500, video => ep('bob', 202507, 2, 'Live'));

# carol: the global policy; 5000 bytes keep c1 (3000) and c2 (1500), not c3.
my $carol = streamer('carol', '{}');
recording(name => 'c1', streamer => $carol, state => 'ready', days => 1, video => ep('carol', 202611, 1, 'A'), bytes => 2990);
recording(name => 'c2', streamer => $carol, state => 'ready', days => 2, video => ep('carol', 202611, 2, 'B'), bytes => 1490);
recording(name => 'c3', streamer => $carol, state => 'ready', days => 3, video => ep('carol', 202611, 3, 'C'), bytes => 990);
recording(name => 'c4', streamer => $carol, state => 'pending', days => 0, video => ep('carol', 202611, 4, 'D'), bytes => 4000);
recording(name => 'c5', streamer => $carol, state => 'processing', days => 60, video => ep('carol', 202609, 5, 'Huge'),
          bytes => 900000000, no_files => 1);
file('raw/d1/00001.ts', 30);
file('raw/d1/00002.ts', 30);
file('raw/d1/sub/index.m3u8', 5);
recording(name => 'd1', streamer => $carol, state => 'deleted', days => 1, video => ep('carol', 202611, 6, 'Deleted'),
          raw_dir => 'raw/d1');

# dave: 0 bytes is no limit, over the global 5000.
my $dave = streamer('dave', '{"max_bytes": 0}');
recording(name => 'v1', streamer => $dave, state => 'ready', days => 1, video => ep('dave', 202611, 1, 'Big'), bytes => 4000);
recording(name => 'v2', streamer => $dave, state => 'ready', days => 2, video => ep('dave', 202611, 2, 'Bigger'), bytes => 4000);

# No streamer: one group under the global policy.
recording(name => 'n1', state => 'ready', days => 50, video => 'library/misc/Season 202609/n1.mp4');
recording(name => 'n2', state => 'ready', days => 1, video => 'library/misc/Season 202611/n2.mp4');

# Paths leading out of the media root: through a symlinked folder, and a
# symlink in the library's place of a video.
spurt("$outside/secret.mp4", 'secret');
spurt("$outside/secret.mp4.index.json", 'secret index');
spurt("$outside/target.mp4", 'target');
symlink($outside, "$media/library/evil") or die "symlink: $!";
make_path("$media/library/links");
symlink("$outside/target.mp4", "$media/library/links/link.mp4") or die "symlink: $!";
recording(name => 'e1', state => 'ready', days => 60, video => 'library/evil/secret.mp4', no_files => 1);
recording(name => 'e2', state => 'ready', days => 61, video => 'library/links/link.mp4', no_files => 1);

system('chown', '-R', '-h', "$owner[0]:$owner[1]", $media, $outside) if @owner;

my @expected = sort { $a <=> $b } @rid{qw(a3 a6 c3 d1 n1 e1 e2)};
my %why = (a3 => 'count', a6 => 'age', c3 => 'bytes', d1 => 'deleted', n1 => 'age', e1 => 'age', e2 => 'age');

# Every file, link and folder under the media root and outside it.
sub tree {
    my @all;
    find({ no_chdir => 1, wanted => sub {
        my $t = -l $_ ? 'l' : -d _ ? 'd' : 'f';
        push @all, join("\t", $t, $_, $t eq 'f' ? -s _ : ());
    } }, $media, $outside);
    return [sort @all];
}
sub rows { sql('SELECT id || \' \' || state FROM recordings ORDER BY id') }
sub assets { sql('SELECT recording_id || \' \' || path FROM media_assets ORDER BY id') }

my $before = tree();
my $rows_before = rows();
my $assets_before = assets();

# --- a dry run ------------------------------------------------------------------------------
my $n = 0;
sub run_retention {
    my ($payload) = @_;
    my $id = sprintf('00000000-0000-4000-8000-%012d', ++$n);
    $stack->redis('LPUSH', 'streamvault:inbox',
                  JSON::PP->new->canonical->encode({ v => 1, type => 'retention', id => $id, payload => $payload }));
    ok(wait_for(sub { sql("SELECT state FROM jobs WHERE id = '$id'") eq 'succeeded' }, 30),
       'the retention job ' . JSON::PP->new->canonical->encode($payload) . ' succeeds')
        or diag sql("SELECT state || ' ' || coalesce(last_error, '') FROM jobs WHERE id = '$id'");
    return $id;
}

run_retention({ dry_run => JSON::PP::true });
ok(wait_for(sub { retention_events() >= 1 }, 10), 'an event');
my ($dry) = retention_events();
is_deeply($dry->{deleted}, \@expected, 'the dry run names exactly the expected recordings');
is($dry->{dry_run}, JSON::PP::true, 'as a dry run');
is_deeply(tree(), $before, 'the dry run deletes no file');
is(rows(), $rows_before, 'and no row');

# --- the real run --------------------------------------------------------------------------
run_retention({});
ok(wait_for(sub { retention_events() >= 2 }, 10), 'another event');
my $real = (retention_events())[1];
is_deeply($real->{deleted}, \@expected, 'the run deletes exactly the expected recordings');
is($real->{dry_run}, JSON::PP::false, 'for real');
is($real->{bytes}, $dry->{bytes}, "their bytes, as the dry run said ($real->{bytes})");

my %gone_rel = map { ($_ => 1) }
    (map { my $v = $_; ($v, "$v.index.json") }
     ep('alice', 202611, 3, 'Three'), ep('alice', 202610, 6, 'Old'), ep('carol', 202611, 3, 'C'),
     ep('carol', 202611, 6, 'Deleted'), 'library/misc/Season 202609/n1.mp4'),
    'raw/d1/00001.ts', 'raw/d1/00002.ts', 'raw/d1/sub/index.m3u8';
# the folders left empty, and the link itself (not its target)
my @gone_paths = ((map { "$media/$_" } keys %gone_rel),
                  "$media/library/alice/Season 202610", "$media/library/misc/Season 202609",
                  "$media/raw/d1", "$media/raw/d1/sub", "$media/library/links/link.mp4",
                  "$media/library/links");
my %gone = map { ($_ => 1) } @gone_paths;
my @want = grep { !$gone{ (split /\t/)[1] } } @$before;
is_deeply(tree(), \@want, 'exactly the expected files, links and empty folders are gone');
is($real->{files}, 2 * 5 + 3 + 1, 'the event counts the files deleted');
ok(-d "$media/library/misc" && -d "$media/library" && -d "$media/raw", 'folders still used and the first level stay');
is(slurp("$outside/secret.mp4"), 'secret', 'a file behind a symlinked folder is left alone');
is(slurp("$outside/target.mp4"), 'target', 'the target of a symlink is left alone');
ok(-e "$media/library/alice/poster.jpg", "a show's poster another recording still names stays");

my %stays = map { ($rid{$_} => 1) } grep { !$why{$_} } keys %rid;
is(rows(), join("\n", grep { /^(\d+) / && $stays{$1} } split /\n/, $rows_before), 'exactly the expected rows are gone');
is(assets(), join("\n", grep { /^(\d+) / && $stays{$1} } split /\n/, $assets_before), 'and their assets');
is(sql("SELECT string_agg(title || ' ' || state, ', ' ORDER BY title) FROM recordings WHERE state <> 'ready'"),
   'a4 processing, a5 failed, b2 recording, c4 pending, c5 processing', 'what is not ready is untouched');

my $log = slurp("$dir/log/worker.log") // '';
for my $name (sort keys %why) {
    like($log, qr/"msg":"retention deletes a recording".*"id":$rid{$name},"why":"$why{$name}"/,
         "the log says why $name went: $why{$name}");
}
like($log, qr/"msg":"retention leaves a path alone".*"id":$rid{e1}.*outside the media root/,
     'and that it left a path outside the root alone');
like($log, qr/"msg":"retention done".*"deleted":7/, 'and sums it up');

# Again: nothing left to do.
run_retention({});
ok(wait_for(sub { retention_events() >= 3 }, 10), 'a third event');
is_deeply((retention_events())[2]{deleted}, [], 'a second run deletes nothing');

# --- DELETE /api/recordings/{id} -------------------------------------------------------------
file('raw/f1/00001.ts', 40);
my $f1 = recording(name => 'f1', streamer => $carol, state => 'ready', days => 0, video => ep('carol', 202611, 7, 'Fresh'),
                   raw_dir => 'raw/f1', assets => [['thumbnail', 'library/carol/Season 202611/fresh.jpg', 7]]);
file('library/carol/Season 202611/fresh.jpg', 7);
system('chown', '-R', '-h', "$owner[0]:$owner[1]", $media) if @owner;
my $admin = $stack->login('admin', $stack->admin_password);
is($admin->{status}, 200, 'the admin logs in');
my $del = $stack->api('DELETE', "/api/recordings/$f1", as => $admin);
is($del->{status}, 200, 'DELETE /api/recordings/{id}');
is($del->{json}{state}, 'deleted', 'marks it deleted');
is(sql("SELECT count(*) FROM jobs WHERE type = 'retention' AND id::text NOT LIKE '00000000-%'"), 1,
   'and queues a retention job');
ok(wait_for(sub { sql("SELECT count(*) FROM recordings WHERE id = $f1") == 0 }, 30), 'the row is purged')
    or diag sql("SELECT state || ' ' || coalesce(last_error, '') FROM jobs WHERE type = 'retention'");
ok(!-e "$media/" . ep('carol', 202611, 7, 'Fresh'), 'its video is deleted');
ok(!-e "$media/library/carol/Season 202611/fresh.jpg", 'its thumbnail');
ok(!-e "$media/raw/f1", 'its raw folder');
ok(-e "$media/" . ep('carol', 202611, 1, 'A'), "the streamer's other recordings stay");
ok(wait_for(sub { grep { ($_->{deleted}[0] // 0) == $f1 } retention_events() }, 10),
   'the event names it');
like(slurp("$dir/log/worker.log") // '', qr/"id":$f1,"why":"deleted"/, 'deleted because the API said so');

done_testing;
