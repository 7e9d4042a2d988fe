# Media delivery: random HLS segment requests (signed byte ranges of one
# MP4, the hot path: signature checked, file sent) through the module,
# against nginx's static module serving the same byte ranges of the same
# file, in the same nginx process and run; then the playlist of a 24-hour
# recording (20,000 fragments, made once and served from the cache)
# against the same bytes as a static file.
use strict;
use warnings;
use lib 't/lib';
use File::Path qw(make_path);
use JSON::PP ();
use StreamVault::Test qw(stack_object spurt http);
use StreamVault::Bench qw(wrk report);
use StreamVault::Media qw(media_key media_url media_escape static_anchor);

my $SEGMENTS = 128;
my $SEGMENT_BYTES = 1_500_000;      # 2 s at 6 Mbit/s
my $LONG_FRAGMENTS = 20_000;        # 24 hours of 4.32 s fragments

my $stack = stack_object(only => 'pg redis nginx', env => { SV_NGINX_WORKERS => 1 });
my $dir = $stack->dir;
my $media = "$dir/media";
my $static_root = static_anchor($stack);
$stack->start;
my $key = media_key("$dir/secret");
my $expires = time + 3600;

# A recording whose fragments are the segments: real bytes, in the page cache.
my $folder = 'library/Bench/Season 202611';
make_path("$media/$folder");
my $short = "$folder/Bench - S202611E01 - Segments";
system("head -c " . (1000 + $SEGMENTS * $SEGMENT_BYTES) . " /dev/urandom > '$media/$short.mp4'") == 0 or die;
open my $fh, '>', "$dir/ranges" or die;
printf $fh "%d-%d\n", 1000 + $_ * $SEGMENT_BYTES, 999 + ($_ + 1) * $SEGMENT_BYTES for 0 .. $SEGMENTS - 1;
close $fh;
system("cat '$media/$short.mp4' > /dev/null") == 0 or die;

spurt("$dir/segments.lua", <<'EOF_LUA');
local ranges = {}
for line in io.lines(os.getenv("SV_RANGES")) do ranges[#ranges + 1] = line end
math.randomseed(42)
request = function()
    wrk.headers["Range"] = "bytes=" .. ranges[math.random(#ranges)]
    return wrk.format()
end
EOF_LUA
local $ENV{SV_RANGES} = "$dir/ranges";

my $signed = $stack->url . media_url($key, $short, "$short.mp4", $expires);
my $static = "$static_root/" . media_escape("$short.mp4");
for my $url ($signed, $static) {
    my $r = http()->get($url, { headers => { Range => 'bytes=1000-1999' } });
    die "$url: $r->{status}\n" unless $r->{status} == 206 && length $r->{content} == 1000;
}
wrk($static, seconds => 1, script => "$dir/segments.lua");    # warm-up
my $ours = wrk($signed, script => "$dir/segments.lua");
my $anchor = wrk($static, script => "$dir/segments.lua");
report("HLS segments (signed byte ranges of $SEGMENT_BYTES bytes)", $ours, $anchor, 'nginx static, same ranges');

# The playlist of a 24-hour recording: the index, and a sparse video it fits.
my $long = "$folder/Bench - S202611E02 - Day";
my @frags = map { { offset => 1000 + $_ * $SEGMENT_BYTES, size => $SEGMENT_BYTES, duration => 388800 } }
            0 .. $LONG_FRAGMENTS - 1;
spurt("$media/$long.mp4.index.json", JSON::PP->new->canonical->encode({
    version => 1, timescale => 90000, init => { offset => 0, size => 1000 }, fragments => \@frags,
    duration => $LONG_FRAGMENTS * 4.32 }));
truncate_to("$media/$long.mp4", 1000 + $LONG_FRAGMENTS * $SEGMENT_BYTES);
my $playlist = $stack->url . media_url($key, $long, "$long.m3u8", $expires);
my $r = http()->get($playlist);
die "the playlist: $r->{status} $r->{content}\n" unless $r->{status} == 200;
my $entries = () = $r->{content} =~ /^#EXT-X-BYTERANGE:/mg;
die "the playlist lists $entries fragments, not $LONG_FRAGMENTS\n" unless $entries == $LONG_FRAGMENTS;
spurt("$media/$folder/playlist-copy.m3u8", $r->{content});
$ours = wrk($playlist);
$anchor = wrk("$static_root/" . media_escape("$folder/playlist-copy.m3u8"));
report(sprintf('HLS playlist of %d fragments (%.1f MB)', $LONG_FRAGMENTS, length($r->{content}) / 1e6),
       $ours, $anchor, 'nginx static, the same bytes');

sub truncate_to {
    my ($path, $size) = @_;
    open my $f, '>', $path or die "$path: $!";
    truncate $f, $size or die "truncate $path: $!";
    close $f;
}
