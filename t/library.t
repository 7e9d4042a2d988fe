# A recording becomes a library item: one postprocess job, injected with real
# redis-cli, plans remux -> validate -> {thumbnails, chapters, nfo} -> finish
# from the recording's row (streamer, stream events, season and episode,
# the filename template) and the worker runs them all. ffprobe and xmllint
# judge the result; the raw segments are gone, the row says 'ready' with
# its assets. A re-run makes the same files again and nothing twice; an
# import from the import folder goes the same way; a kill -9 of the worker
# in the middle of a remux ends, after the lease, in exactly one item.
# Real PostgreSQL and Redis, the sanitizer worker.
use strict;
use warnings;
use utf8;
use lib 't/lib';
use Test::More;
use Digest::SHA qw(sha256_hex);
use Encode qw(decode_utf8 encode_utf8);
use File::Copy qw(copy);
use File::Find qw(find);
use File::Path qw(make_path);
use JSON::PP qw(decode_json);
use StreamVault::Jobs;
use StreamVault::Test qw(start_stack wait_for slurp run_cmd alive);

my $stack = start_stack(only => 'pg redis', timeout => 300);
my $dir = $stack->dir;
my $media = "$dir/media";
make_path("$media/raw/src", "$media/import", "$dir/log");

# Five ~2 s TS segments with H.264 (a keyframe every 2 s) and AAC.
my $gen = run_cmd(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin',
                   '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30',
                   '-f', 'lavfi', '-i', 'sine=frequency=440',
                   '-t', '10', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60',
                   '-c:a', 'aac', '-f', 'segment', '-segment_time', '2',
                   '-segment_format', 'mpegts', "$media/raw/src/seg%02d.ts"], timeout => 60);
is($gen->{status}, 0, 'ffmpeg made the segments') or diag $gen->{err};
my @src = sort glob("$media/raw/src/*.ts");

sub raw_copy {
    my ($name) = @_;
    make_path("$media/raw/$name");
    copy($_, "$media/raw/$name/" . (split m{/}, $_)[-1]) or die "copy: $!" for @src;
    return "raw/$name";
}

# the worker applies the migrations as it starts
my $jobs = StreamVault::Jobs->new($stack);

sub sql_text { my $s = shift; $s =~ s/'/''/g; "'$s'" }

my $show = q{Alice & "Bob's" <Show> ü};
my $title = q{Speedrun <any%> "A/B" ../../etc 'ü' 🎮};
my $sid = $stack->psql("INSERT INTO streamers (platform, twitch_id, login, display_name, description)"
                       . " VALUES ('twitch', '12345', 'alice', " . sql_text($show) . ", 'Plays <games> & more')"
                       . " RETURNING id");
my $stream = $stack->psql("INSERT INTO streams (streamer_id, twitch_stream_id, title, category_name, started_at)"
                          . " VALUES ($sid, '777', 'Hello', 'Just Chatting', '2026-11-20 22:00:00+00') RETURNING id");
$stack->psql("INSERT INTO stream_events (stream_id, kind, title, category_name, occurred_at) VALUES"
             . " ($stream, 'online', 'Hello', 'Just Chatting', '2026-11-20 22:00:00+00'),"
             . " ($stream, 'update', 'Any%', 'Celeste', '2026-11-20 22:00:04+00')");

sub recording {
    my (%r) = @_;
    my $raw = raw_copy($r{name});
    return $stack->psql("INSERT INTO recordings (streamer_id, stream_id, state, title, raw_dir, started_at, ended_at)"
                        . " VALUES ($sid, $stream, 'processing', " . sql_text($r{title}) . ", '$raw',"
                        . " '2026-11-20 22:00:00+00', '2026-11-20 22:00:10+00') RETURNING id");
}

sub rec_field { $stack->psql("SELECT $_[1] FROM recordings WHERE id = $_[0]") }

sub wait_ready {
    my ($rec, $seconds) = @_;
    return wait_for(sub { rec_field($rec, 'state') =~ /^(ready|failed)$/ }, $seconds // 120)
        && rec_field($rec, 'state') eq 'ready';
}

sub library_files {
    my @f;
    find({ no_chdir => 1, wanted => sub { push @f, $File::Find::name =~ s{^\Q$media\E/}{}r if -f } },
         "$media/library") if -d "$media/library";
    return sort @f;
}

sub job_states {
    my ($rec) = @_;
    return $stack->psql("SELECT string_agg(type || ':' || state, ' ' ORDER BY type) FROM jobs"
                        . " WHERE recording_id = $rec");
}

# 1. A recording of raw segments becomes one library item.
# a control character in a title (Twitch titles are anyone's text) is dropped
my $rec = recording(name => 'rec1', title => "$title\x07");
my $pp = $jobs->inject('postprocess', {}, recording_id => $rec + 0);
ok(wait_ready($rec), 'the recording becomes ready')
    or diag rec_field($rec, 'error'), ' ', job_states($rec);
is(job_states($rec), 'chapters:succeeded finish:succeeded nfo:succeeded postprocess:succeeded'
                     . ' remux:succeeded thumbnails:succeeded validate:succeeded',
   'its seven jobs succeeded, each recorded with the recording');
is(rec_field($rec, "season || ' ' || episode"), '202611 1', 'season 202611, episode 1');

my $video = decode_utf8(rec_field($rec, 'file_path'));
like($video, qr{^library/Alice & _Bob's_ _Show_ ü/Season 202611/Alice & _Bob's_ _Show_ ü - S202611E01 - Speedrun _any%_ _A_B_ \.\._\.\._etc 'ü' 🎮\.mp4$},
     'the video is named from the template, hostile characters made safe');
my $mp4 = encode_utf8("$media/$video");
ok(-s $mp4, 'the video exists');
my $probe = run_cmd(['ffprobe', '-v', 'error', '-print_format', 'json', '-show_format', '-show_streams',
                     '-show_chapters', $mp4], timeout => 30);
my $info = eval { decode_json($probe->{out}) } // {};
ok(abs(($info->{format}{duration} // 0) - 10) < 0.1, "ffprobe: duration $info->{format}{duration} within 0.1 s of 10 s");
is(join(',', sort grep { /^(audio|video)$/ } map { $_->{codec_type} } @{ $info->{streams} // [] }),
   'audio,video', 'one audio and one video stream');
is(join('|', map { $_->{tags}{title} } @{ $info->{chapters} // [] }), 'Hello — Just Chatting|Any% — Celeste',
   'the stream events are its chapters');
ok(abs(rec_field($rec, 'duration_ms') - 10000) <= 100, 'the row records the duration');
is(rec_field($rec, 'bytes'), -s $mp4, 'and the size');

my %asset = map { my ($k, $p) = split /\|/, $_, 2; ($k => decode_utf8($p)) }
            split /\n/, $stack->psql("SELECT kind, path FROM media_assets WHERE recording_id = $rec");
is(join(' ', sort keys %asset), 'chapters_vtt chapters_xml fragment_index nfo sprite sprite_vtt thumbnail video',
   'eight assets are recorded');
ok(-s encode_utf8("$media/$asset{$_}"), "asset $_ exists") for sort keys %asset;
like($asset{sprite_vtt}, qr{/\.streamvault/}, 'the web player sidecars stay out of the media servers\' sight');
like(decode_utf8(slurp(encode_utf8("$media/$asset{chapters_vtt}"))), qr/Any% — Celeste/, 'chapters WebVTT');
for my $f (qw(nfo chapters_xml)) {
    my $lint = run_cmd(['xmllint', '--noout', encode_utf8("$media/$asset{$f}")], timeout => 10);
    is($lint->{status}, 0, "xmllint accepts the $f") or diag $lint->{err};
}
my $show_dir = encode_utf8("$media/library/Alice & _Bob's_ _Show_ ü");
for my $f ('tvshow.nfo', 'Season 202611/season.nfo') {
    my $lint = run_cmd(['xmllint', '--noout', "$show_dir/$f"], timeout => 10);
    is($lint->{status}, 0, "xmllint accepts $f") or diag $lint->{err};
}
sub xpath {
    my ($file, $path) = @_;
    my $out = decode_utf8(run_cmd(['xmllint', '--xpath', "string($path)", $file], timeout => 10)->{out});
    return $out =~ s/\n\z//r;
}
my $ep = xpath(encode_utf8("$media/$asset{nfo}"), '/episodedetails/title');
is($ep, $title, 'the episode title survives in the NFO');
my $tv = xpath("$show_dir/tvshow.nfo", '/tvshow/title');
is($tv, $show, 'the show title survives in tvshow.nfo');

# the fragment index: each entry starts with a moof
my $index = decode_json(slurp(encode_utf8("$media/$asset{fragment_index}")));
open(my $fh, '<:raw', $mp4) or die;
my $moofs = grep { seek($fh, $_->{offset} + 4, 0); read($fh, my $b, 4); $b eq 'moof' } @{ $index->{fragments} };
is($moofs, scalar @{ $index->{fragments} }, "each of the index's fragments starts with a moof");
close $fh;

ok(!-e "$media/raw/rec1", 'the raw segments and their folder are gone');
my @first = library_files();

# 2. A re-run: the raw media is gone, so the video stays; the sidecars and
# the record are made again, nothing twice.
# (library_files gives the names as the bytes they are on disk)
my %sum = map { ($_ => sha256_hex(slurp("$media/$_") // die "cannot read $_")) } @first;
my $again = $jobs->inject('postprocess', {}, recording_id => $rec + 0);
ok($jobs->wait_state($again, 'succeeded'), 'a second postprocess job succeeds');
ok(wait_for(sub { $stack->psql("SELECT count(*) FROM jobs WHERE recording_id = $rec AND state <> 'succeeded'") == 0
                  && $stack->psql("SELECT count(*) FROM jobs WHERE recording_id = $rec") == 12 }, 60),
   'its five jobs (no remux, no validate) succeed') or diag job_states($rec);
ok(wait_ready($rec), 'the recording is ready again');
is_deeply([library_files()], \@first, 'the library holds the same files');
is_deeply({ map { ($_ => sha256_hex(slurp("$media/$_") // '')) } library_files() }, \%sum,
          'with the same bytes');
is($stack->psql("SELECT count(*) FROM media_assets WHERE recording_id = $rec"), 8, 'still eight assets');
is(rec_field($rec, "season || ' ' || episode"), '202611 1', 'the same season and episode');

# 3. The next recording of the season is episode 2.
my $rec2 = recording(name => 'rec2', title => 'Second');
$jobs->inject('postprocess', {}, recording_id => $rec2 + 0);
ok(wait_ready($rec2), 'a second recording becomes ready') or diag job_states($rec2);
is(rec_field($rec2, "season || ' ' || episode"), '202611 2', 'as episode 2');
like(decode_utf8(rec_field($rec2, 'file_path')), qr{ - S202611E02 - Second\.mp4$}, 'named SxxxxxxE02');

# 4. A template per streamer: it can never leave the library.
$stack->psql(q{UPDATE streamers SET filename_template = '../../{title}/{date}' WHERE id = } . $sid);
my $rec3 = recording(name => 'rec3', title => '../../../../tmp/evil');
$jobs->inject('postprocess', {}, recording_id => $rec3 + 0);
ok(wait_ready($rec3), 'a recording under a hostile template becomes ready') or diag job_states($rec3);
like(rec_field($rec3, 'file_path'), qr{^library/_\.\._\.\._\.\._tmp_evil/2026-11-20\.mp4$},
     'its path stays inside the library');
$stack->psql("UPDATE streamers SET filename_template = NULL WHERE id = $sid");

# 5. An import: a file in the import folder, through the same steps.
copy($mp4, "$media/import/old stream.mp4") or die "copy: $!";
my $imp = $jobs->inject('import', { path => 'import/old stream.mp4', streamer => 'alice', date => '2025-01-02' });
ok($jobs->wait_state($imp, 'succeeded'), 'the import job succeeds') or diag $jobs->error($imp);
my $irec = $stack->psql("SELECT id FROM recordings WHERE title = 'old stream'");
ok($irec, 'it made a recording named after the file');
ok(wait_ready($irec), 'which becomes ready') or diag job_states($irec);
is(rec_field($irec, "season || ' ' || episode"), '202501 1', 'in the season of its date');
ok(-s encode_utf8("$media/" . decode_utf8(rec_field($irec, 'file_path'))), 'its video is in the library');
ok(!-e "$media/import/old stream.mp4", 'the imported file is gone once the video was validated');
my $bad = $jobs->inject('import', { path => 'raw/x.mp4' });
$jobs->check_rejected([['raw/x.mp4', qr/import folder/]], [$bad]);

# 6. kill -9 of the worker in the middle of a remux: once the lease has
# expired another worker process takes it, and there is exactly one item.
kill 'KILL', $jobs->worker;
$stack->reap($jobs->worker, 10);
my $lease = 2;
sub start_worker {
    my ($name) = @_;
    my $conf = $stack->worker_conf(file => "$name.conf", log_file => "$dir/log/$name.log",
                                   extra => "worker_id = $name\n");
    local $ENV{STREAMVAULT_JOB_LEASE_SECONDS} = $lease;
    my $pid = $stack->spawn_worker('-c', $conf);
    ok(wait_for(sub { (slurp("$dir/log/$name.log") // '') =~ /connected to Redis/ }, 20), "worker $name started");
    return $pid;
}
# many small segments make a remux slow enough to be caught running
make_path("$media/raw/big");
my $many = run_cmd(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin',
                    '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30',
                    '-f', 'lavfi', '-i', 'sine=frequency=440',
                    '-t', '60', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '3',
                    '-c:a', 'aac', '-f', 'segment', '-segment_time', '0.05',
                    '-segment_format', 'mpegts', "$media/raw/big/seg%04d.ts"], timeout => 120);
is($many->{status}, 0, 'ffmpeg made ' . scalar(my @n = glob("$media/raw/big/*.ts")) . ' segments')
    or diag $many->{err};
my $rec4 = $stack->psql("INSERT INTO recordings (streamer_id, state, title, raw_dir, started_at, ended_at)"
                        . " VALUES ($sid, 'processing', 'Killed', 'raw/big', '2026-11-21 10:00:00+00',"
                        . " '2026-11-21 10:01:00+00') RETURNING id");
my $wa = start_worker('wa');
$jobs->inject('postprocess', {}, recording_id => $rec4 + 0);
my $running;
for (1 .. 3000) {       # at most a minute
    last if $running = $stack->psql("SELECT state FROM jobs WHERE recording_id = $rec4 AND type = 'remux'") eq 'running';
    select(undef, undef, undef, 0.02);
}
ok($running, 'the remux runs');
kill 'KILL', $wa;
$stack->reap($wa, 10);
is($stack->psql("SELECT state FROM jobs WHERE recording_id = $rec4 AND type = 'remux'"), 'running',
   'the worker was killed while the remux ran');
my $wb = start_worker('wb');
ok(wait_ready($rec4, 180), 'another worker finishes the recording') or diag job_states($rec4);
is($stack->psql("SELECT attempts || ' ' || worker_id FROM jobs WHERE recording_id = $rec4 AND type = 'remux'"),
   '2 wb', 'the remux ran a second time, on the other worker');
my @items = grep { /E\d+ - Killed\.mp4$/ } library_files();
is(scalar(@items), 1, 'exactly one library video') or diag explain \@items;
ok(!grep({ /\.tmp$/ } library_files()), 'no temp file is left');
is($stack->psql("SELECT count(*) FROM recordings WHERE title = 'Killed'"), 1, 'one recording');
is($stack->psql("SELECT count(*) FROM media_assets WHERE recording_id = $rec4 AND kind = 'video'"), 1,
   'with one video');

kill 'TERM', $wb;
is($stack->reap($wb, 15), 0, 'the worker stops cleanly');
done_testing();
