# The thumbnails job end to end: a 30 s video with a visible timer (lavfi
# testsrc2, H.264 in a fragmented MP4 as the remux job writes them) gets a
# poster, a scrub sprite and its WebVTT track, checked with ffprobe and by
# parsing the track; a re-run gives the same bytes; a corrupt video fails
# cleanly (retried, dead) while the worker runs on; path attacks are refused
# at injection. Real PostgreSQL and Redis, the sanitizer worker.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Digest::SHA qw(sha256_hex);
use File::Path qw(make_path);
use JSON::PP qw(decode_json encode_json);
use StreamVault::Jobs;
use StreamVault::Test qw(start_stack wait_for slurp spurt run_cmd alive);

my $stack = start_stack(only => 'pg redis', timeout => 240);
my $dir = $stack->dir;
my $media = "$dir/media";
make_path("$media/library", "$dir/log");

my $gen = run_cmd(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin',
                   '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '30',
                   '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-f', 'mp4',
                   '-movflags', 'frag_keyframe+empty_moov+default_base_moof',
                   "$media/library/a.mp4"], timeout => 60);
is($gen->{status}, 0, 'ffmpeg made the video') or diag $gen->{err};

my $jobs = StreamVault::Jobs->new($stack);
my $worker = $jobs->worker;

sub probe {
    my ($file) = @_;
    my $r = run_cmd(['ffprobe', '-v', 'error', '-print_format', 'json', '-show_streams', $file],
                    timeout => 30);
    return $r->{status} == 0 ? decode_json($r->{out})->{streams}[0] : {};
}
# The cues of a WebVTT thumbnail track: [from_s, to_s, file, x, y, w, h].
sub cues {
    my ($text) = @_;
    return undef unless defined $text && $text =~ s/\AWEBVTT\n//;
    my @cues;
    for my $block (grep { length } split /\n\n/, $text) {
        $block =~ /\A\n?(\d\d):(\d\d):(\d\d)\.(\d\d\d)\ -->\ (\d\d):(\d\d):(\d\d)\.(\d\d\d)\n
                   ([^\n#]+)\#xywh=(\d+),(\d+),(\d+),(\d+)\n?\z/x or return undef;
        push @cues, [ $1 * 3600 + $2 * 60 + $3 + $4 / 1000, $5 * 3600 + $6 * 60 + $7 + $8 / 1000,
                      $9, $10, $11, $12, $13 ];
    }
    return \@cues;
}
# Tile i's pixels (gray) cut out of the sprite.
sub tile {
    my ($sprite, $c) = @_;
    my $r = run_cmd(['ffmpeg', '-v', 'error', '-nostdin', '-i', $sprite, '-vf',
                     "crop=$c->[5]:$c->[6]:$c->[3]:$c->[4]", '-f', 'rawvideo',
                     '-pix_fmt', 'gray', '-'], timeout => 30);
    return $r->{out};
}

# One tile every 5 s, 4 columns: 6 tiles in 2 rows; the sprite one folder
# down from the track.
my %p = (video => 'library/a.mp4', poster => 'library/a-poster.jpg',
         sprite => 'library/thumbs/a-sprite.jpg', vtt => 'library/a.vtt',
         interval_s => 5, columns => 4);
my $id = $jobs->inject('thumbnails', \%p);
ok($jobs->wait_state($id, 'succeeded'), 'the thumbnails job succeeds') or diag $jobs->error($id);
is($stack->psql("SELECT progress FROM jobs WHERE id = '$id'"), 100, 'its progress is 100 %');

my $poster = probe("$media/library/a-poster.jpg");
is($poster->{codec_name}, 'mjpeg', 'the poster is a JPEG');
is("$poster->{width}x$poster->{height}", '640x360', 'at the video\'s full size');
my $sprite = probe("$media/library/thumbs/a-sprite.jpg");
is($sprite->{codec_name}, 'mjpeg', 'the sprite is a JPEG');
is("$sprite->{width}x$sprite->{height}", '1280x360', '4 columns x 2 rows of 320x180 tiles');

my $cues = cues(slurp("$media/library/a.vtt"));
ok($cues, 'the track parses as WebVTT thumbnails') or diag slurp("$media/library/a.vtt");
$cues ||= [];
is(scalar(@$cues), 6, 'one cue per tile');
is($cues->[0][0], 0, 'the first cue starts at 0');
ok(abs($cues->[-1][1] - 30) < 0.1, 'the last ends at the video\'s end: ' . ($cues->[-1][1] // ''));
ok(!grep({ $cues->[$_][0] != $cues->[$_ - 1][1] } 1 .. $#$cues), 'the cues are contiguous');
ok(!grep({ $_->[2] ne 'thumbs/a-sprite.jpg' } @$cues), 'each names the sprite relative to the track');
ok(!grep({ $_->[5] != 320 || $_->[6] != 180 || $_->[3] + $_->[5] > 1280 || $_->[4] + $_->[6] > 360 }
         @$cues), 'each rectangle is a tile inside the sprite');
is_deeply([ map { "$_->[3],$_->[4]" } @$cues[0, 3, 4] ], [ '0,0', '960,0', '0,180' ],
          'tiles laid out row by row');
# The timer moves: the tiles show different frames.
my %seen = map { (sha256_hex(tile("$media/library/thumbs/a-sprite.jpg", $_)) => 1) } @$cues;
is(scalar(keys %seen), 6, 'the six tiles show six different frames');

# Idempotent: a re-run writes the same bytes.
my %before = map { ($_ => sha256_hex(slurp("$media/library/$_"))) }
             qw(a-poster.jpg thumbs/a-sprite.jpg a.vtt);
my $again = $jobs->inject('thumbnails', \%p);
ok($jobs->wait_state($again, 'succeeded'), 'a re-run succeeds') or diag $jobs->error($again);
is(sha256_hex(slurp("$media/library/$_")), $before{$_}, "$_ is unchanged") for sort keys %before;

# Defaults: a tile every 10 s, 320 wide: 3 tiles in one row.
my $dflt = $jobs->inject('thumbnails', { video => 'library/a.mp4', poster => 'library/d.jpg',
                    sprite => 'library/d-sprite.jpg', vtt => 'library/d.vtt' });
ok($jobs->wait_state($dflt, 'succeeded'), 'with the defaults it succeeds') or diag $jobs->error($dflt);
$sprite = probe("$media/library/d-sprite.jpg");
is("$sprite->{width}x$sprite->{height}", '960x180', 'three 320x180 tiles');
is(scalar(@{ cues(slurp("$media/library/d.vtt")) || [] }), 3, 'three cues');

# A corrupt video: fails, retried, dead; the worker runs on.
spurt("$media/library/bad.mp4", "\0\0\0\x18ftypisom" . ("\xff" x 65536));
my $bad = $jobs->inject('thumbnails', { %p, video => 'library/bad.mp4', vtt => 'library/bad.vtt' }, max_attempts => 2);
ok($jobs->wait_state($bad, 'dead'), 'a corrupt video fails the job, dead after its attempts');
is($stack->psql("SELECT attempts FROM jobs WHERE id = '$bad'"), 2, 'after 2 attempts');
like($jobs->error($bad), qr/^the video: /, 'the reason: ' . $jobs->error($bad));
ok(!-e "$media/library/bad.vtt", 'no track for it');
ok(alive($worker), 'the worker is still running');
my $after = $jobs->inject('thumbnails', { %p, vtt => 'library/after.vtt' });
ok($jobs->wait_state($after, 'succeeded'), 'and runs the next job') or diag $jobs->error($after);

# Path attacks and bad payloads never get queued.
my @attacks = (
    [ { %p, video => '../x.mp4' }, qr/payload\.video/ ],
    [ { %p, poster => '/etc/x.jpg' }, qr/payload\.poster.*relative/ ],
    [ { %p, sprite => 'a/../../b.jpg' }, qr/payload\.sprite.*'\.\.'/ ],
    [ { %p, vtt => "a\x01b.vtt" }, qr/payload\.vtt.*control/ ],
    [ { %p, video => 'a.mkv' }, qr/payload\.video must end in \.mp4/ ],
    [ { %p, poster => 'a.png' }, qr/payload\.poster must end in \.jpg/ ],
    [ { %p, vtt => 'a.txt' }, qr/payload\.vtt must end in \.vtt/ ],
    [ { %p, sprite => $p{poster} }, qr/payload\.sprite is also payload\.poster/ ],
    [ { %p, interval_s => 0 }, qr/interval_s must be an integer in 1\.\.600/ ],
    [ { %p, width => 79 }, qr/width must be an integer in 80\.\.1920/ ],
    [ { %p, columns => 21 }, qr/columns/ ],
    [ { %p, columns => '4' }, qr/columns/ ],
    [ { map { $_ => $p{$_} } qw(video poster sprite) }, qr/payload\.vtt is required/ ],
    [ { %p, extra => 1 }, qr/unknown field/ ],
);
$stack->redis('DEL', 'streamvault:rejected');
my @ids = map { $jobs->inject('thumbnails', $_->[0]) } @attacks;
$jobs->check_rejected(\@attacks, \@ids);

kill 'TERM', $worker;
is($stack->reap($worker, 20), 0, 'the worker stops cleanly (sanitizers found nothing)');
done_testing();
