# The nfo job end to end: a job injected with real redis-cli into the
# sanitizer worker writes tvshow.nfo, season.nfo and the episode's .nfo;
# xmllint accepts each, the tags Kodi/Jellyfin read carry the right values,
# and titles with markup characters, unicode and a control character come
# out escaped. A re-run gives the same bytes; path attacks are refused at
# injection. Real PostgreSQL and Redis.
use strict;
use warnings;
use utf8;
use lib 't/lib';
use Test::More;
use File::Path qw(make_path);
use Encode qw(decode_utf8);
use JSON::PP qw(decode_json);
use StreamVault::Jobs;
use StreamVault::Test qw(start_stack wait_for slurp run_cmd alive);

my $stack = start_stack(only => 'pg redis', timeout => 120);
my $dir = $stack->dir;
my $media = "$dir/media";
make_path($media, "$dir/log");

my $jobs = StreamVault::Jobs->new($stack);
my $worker = $jobs->worker;


my $show_title = q{Tom & "Jerry's" <Show> 😀 日本語};
my $ep_title = "Speedrun <any%> & \"fun\" 'quotes' \x07bell 🎮 中文";
my $payload = {
    dir => 'library/alice',
    show => { title => $show_title, plot => 'Plot <b>&</b>', id => '12345' },
    season => { number => 202611 },
    episode => { file => 'library/alice/Season 202611/alice - S202611E03 - x.mp4',
                 title => $ep_title, plot => "Line 1\nLine 2 <&>", aired => '2026-11-21',
                 season => 202611, episode => 3, runtime_s => 3601,
                 category => 'Just Chatting & Co', streamer => 'alice', id => 'rec-1' },
};
my $id = $jobs->inject('nfo', $payload);
ok($jobs->wait_state($id, 'succeeded'), 'the nfo job succeeds')
    or diag $stack->psql("SELECT last_error FROM jobs WHERE id = '$id'");

my %file = (show => "$media/library/alice/tvshow.nfo",
            season => "$media/library/alice/Season 202611/season.nfo",
            episode => "$media/library/alice/Season 202611/alice - S202611E03 - x.nfo");
for my $f (sort keys %file) {
    ok(-f $file{$f}, "the $f nfo exists");
    my $lint = run_cmd(['xmllint', '--noout', $file{$f}], timeout => 10);
    is($lint->{status}, 0, "xmllint accepts the $f nfo") or diag $lint->{err};
    ok(!-e "$file{$f}.tmp", "no temp file is left for the $f nfo");
}

# The text of one element, unescaped by xmllint itself.
sub xpath {
    my ($f, $path) = @_;
    my $r = run_cmd(['xmllint', '--xpath', "string($path)", $file{$f}], timeout => 10);
    (my $text = decode_utf8($r->{out})) =~ s/\n\z//;    # xmllint ends it with one
    return $text;
}
my %raw = map { ($_ => decode_utf8(slurp($file{$_}))) } keys %file;
like($raw{$_}, qr/\A<\?xml version="1\.0" encoding="UTF-8"/, "the $_ nfo declares UTF-8")
    for sort keys %file;

is(xpath('show', '/tvshow/title'), $show_title, 'the show title survives');
is(xpath('show', '/tvshow/plot'), 'Plot <b>&</b>', 'the show plot survives');
is(xpath('show', '/tvshow/studio'), 'Twitch', 'studio Twitch');
ok(xpath('show', '/tvshow/genre') ne '', 'a genre');
is(xpath('show', '/tvshow/uniqueid[@type="twitch"]'), '12345', 'uniqueid type twitch');
is(xpath('show', '/tvshow/thumb[@aspect="poster"]'), 'poster.jpg', 'the poster thumb');
like($raw{show}, qr{<title>Tom &amp; &quot;Jerry&apos;s&quot; &lt;Show&gt; 😀 日本語</title>},
     'the show title is escaped in the file');

is(xpath('season', '/season/seasonnumber'), '202611', 'seasonnumber');
is(xpath('season', '/season/title'), '2026-11', 'the season title defaults to YYYY-MM');

(my $clean = $ep_title) =~ s/\x07//;
is(xpath('episode', '/episodedetails/title'), $clean,
   'the episode title survives, its control character removed');
unlike($raw{episode}, qr/\x07/, 'no control character in the file');
like($raw{episode}, qr{<title>Speedrun &lt;any%&gt; &amp; &quot;fun&quot; &apos;quotes&apos; bell 🎮 中文</title>},
     'the episode title is escaped in the file');
my %want = (plot => "Line 1\nLine 2 <&>", aired => '2026-11-21', premiered => '2026-11-21',
            season => '202611', episode => '3', runtime => '61', genre => 'Just Chatting & Co',
            studio => 'Twitch', 'actor/name' => 'alice', 'actor/role' => 'Streamer',
            'uniqueid[@type="streamvault" and @default="true"]' => 'rec-1');
is(xpath('episode', "/episodedetails/$_"), $want{$_}, "episode $_") for sort keys %want;

# Idempotent: the same job again gives the same bytes.
my %before = map { ($_ => slurp($file{$_})) } keys %file;
my $again = $jobs->inject('nfo', $payload);
ok($jobs->wait_state($again, 'succeeded'), 'the same job again succeeds');
is(slurp($file{$_}), $before{$_}, "the same $_ nfo") for sort keys %file;
ok(alive($worker), 'the worker is running');

# Path attacks and bad payloads never get queued.
sub with {
    my ($part, %set) = @_;
    my $p = JSON::PP->new->utf8->decode(JSON::PP->new->utf8->encode($payload));
    @{ $part eq '' ? $p : $p->{$part} }{ keys %set } = values %set;
    return $p;
}
my @attacks = (
    [ with('', dir => '../etc'), qr/payload\.dir: .*'\.\.'/ ],
    [ with('', dir => '/etc'), qr/payload\.dir: .*relative/ ],
    [ with('', dir => "a\x{0}b"), qr/NUL/ ],
    [ with('episode', file => 'library/alice/../../x.mp4'), qr/payload\.episode\.file: .*'\.\.'/ ],
    [ with('episode', file => '/etc/x.mp4'), qr/payload\.episode\.file: .*relative/ ],
    [ with('episode', file => "library/alice/x\x{0}.mp4"), qr/NUL/ ],
    [ with('episode', file => 'library/bob/x.mp4'), qr/inside payload\.dir/ ],
    [ with('episode', file => 'library/alice/x.mkv'), qr/\.mp4/ ],
    [ with('episode', aired => '2026-13-01'), qr/payload\.episode\.aired must be YYYY-MM-DD/ ],
    [ with('episode', season => 202612), qr/episode\.season must be payload\.season\.number/ ],
    [ with('episode', episode => 0), qr/payload\.episode\.episode must be an integer/ ],
    [ with('season', number => 202613), qr/YYYYMM/ ],
    [ with('show', title => ''), qr/payload\.show\.title must be a string/ ],
    [ with('show', extra => 1), qr/unknown field "show\.extra"/ ],
    [ with('', extra => 1), qr/unknown field "extra"/ ],
    [ { dir => 'a', show => { title => 't' }, season => { number => 202611 } },
      qr/payload\.episode is required/ ],
);
$stack->redis('DEL', 'streamvault:rejected');
my @ids = map { $jobs->inject('nfo', $_->[0]) } @attacks;
$jobs->check_rejected(\@attacks, \@ids);
ok(!-e "$dir/etc" && !-e "$media/x.mp4", 'nothing was written outside');

kill 'TERM', $worker;
is($stack->reap($worker, 20), 0, 'the worker stops cleanly (sanitizers found nothing)');
done_testing();
