# The artwork job end to end: images on a loopback nginx (the fake CDN),
# fetched by the sanitizer worker with real redis-cli injection. Real JPEG
# and PNG files (made by ffmpeg) are saved byte-identical; an oversized body
# (with and without a Content-Length), HTML named .jpg, a PNG at a .jpg
# path, a 404, five redirects and a redirect to ftp:// each fail their job
# with a reason naming the URL and the problem, and the worker goes on.
# Payload attacks are refused at injection. Real PostgreSQL and Redis.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use File::Path qw(make_path);
use StreamVault::Jobs;
use StreamVault::Test qw(stack_object free_port run_cmd slurp spurt alive);

alarm 150;
my $cdn_port = free_port();
my $cdn = "http://127.0.0.1:$cdn_port";
my $stack = stack_object(only => 'pg redis nginx', nginx_http => <<"EOF_CONF");
server {
    listen 127.0.0.1:$cdn_port;
    root DIR/cdn;
    location = /r1 { return 302 $cdn/r2; }
    location = /r2 { return 302 $cdn/r3; }
    location = /r3 { return 302 $cdn/r4; }
    location = /r4 { return 302 $cdn/r5; }
    location = /r5 { return 302 $cdn/poster.jpg; }
    location = /to-ftp { return 302 ftp://127.0.0.1/poster.jpg; }
    # no Content-Length (sub_filter drops it): the write callback's limit
    location = /stream/big.jpg { alias DIR/cdn/big.jpg; sub_filter_types *; sub_filter NEVER_THERE x; }
}
EOF_CONF
my $dir = $stack->dir;
# the configuration names the stack's folder, known only now
my $conf = slurp("$dir/nginx/extra/test.conf") =~ s/DIR/$dir/gr;
spurt("$dir/nginx/extra/test.conf", $conf);

my $media = "$dir/media";
make_path($media, "$dir/log", "$dir/cdn");
for (['poster.jpg', 'red'], ['fanart.png', 'blue']) {
    my $r = run_cmd(['ffmpeg', '-v', 'error', '-y', '-f', 'lavfi', '-i', "color=$_->[1]:s=64x64",
                     '-frames:v', '1', "$dir/cdn/$_->[0]"], timeout => 30);
    is($r->{status}, 0, "ffmpeg makes $_->[0]") or diag $r->{err};
}
# a JPEG's first bytes, then 11 MiB: only the size is wrong
spurt("$dir/cdn/big.jpg", "\xFF\xD8\xFF\xE0" . ("\0" x (11 * 1024 * 1024)));
spurt("$dir/cdn/page.jpg", "<!DOCTYPE html><html><body>not an image</body></html>\n");
chmod 0755, $dir, "$dir/cdn";
chmod 0644, glob("$dir/cdn/*");
$stack->start;

my $jobs = StreamVault::Jobs->new($stack);
my $worker = $jobs->worker;

# The good ones: saved byte-identical, a chain of 3 redirects allowed.
my $good = $jobs->inject('artwork', { images => [
    { url => "$cdn/poster.jpg", path => 'library/alice/poster.jpg' },
    { url => "$cdn/fanart.png", path => 'library/alice/fanart.png' },
    { url => "$cdn/r3", path => 'library/alice/banner.jpg' },
] });
ok($jobs->wait_state($good, 'succeeded'), 'the artwork job succeeds')
    or diag $jobs->error($good);
is(slurp("$media/library/alice/poster.jpg"), slurp("$dir/cdn/poster.jpg"), 'the JPEG is saved byte-identical');
is(slurp("$media/library/alice/fanart.png"), slurp("$dir/cdn/fanart.png"), 'the PNG is saved byte-identical');
is(slurp("$media/library/alice/banner.jpg"), slurp("$dir/cdn/poster.jpg"), 'three redirects are followed');
ok(!-e "$media/library/alice/poster.jpg.tmp", 'no temp file is left');

# Each bad one fails its job (dead after its one attempt) and says why.
my @bad = (
    [ "$cdn/big.jpg", qr/Content-Length over the 10 MiB limit/ ],
    [ "$cdn/stream/big.jpg", qr/larger than 10 MiB/ ],
    [ "$cdn/page.jpg", qr/the body is not an image \(no JPEG, PNG or WebP magic bytes\)/ ],
    [ "$cdn/fanart.png", qr/the body is PNG but the path names JPEG/ ],
    [ "$cdn/missing.jpg", qr/HTTP status 404/ ],
    [ "$cdn/r1", qr/more than 3 redirects/ ],
    [ "$cdn/to-ftp", qr/redirect to a scheme other than http\/https/ ],
);
for my $i (0 .. $#bad) {
    my ($url, $why) = @{ $bad[$i] };
    my $id = $jobs->inject('artwork', { images => [ { url => $url, path => "library/bad/$i.jpg" } ] },
                           max_attempts => 1);
    ok($jobs->wait_state($id, 'dead', 60), "$url fails the job");
    my $error = $jobs->error($id);
    like($error, qr/\Q$url\E: /, 'the reason names the URL');
    like($error, $why, "the reason names the problem: $error");
    ok(!-e "$media/library/bad/$i.jpg", 'nothing is saved');
}

# Images saved before a failing one stay; the worker goes on.
my $partial = $jobs->inject('artwork', { images => [
    { url => "$cdn/poster.jpg", path => 'library/bob/poster.jpg' },
    { url => "$cdn/missing.jpg", path => 'library/bob/fanart.jpg' },
] }, max_attempts => 1);
ok($jobs->wait_state($partial, 'dead'), 'a job with one missing image fails');
is(slurp("$media/library/bob/poster.jpg"), slurp("$dir/cdn/poster.jpg"), 'the image before it stays');
my $again = $jobs->inject('artwork', { images => [ { url => "$cdn/fanart.png", path => 'library/alice/fanart.png' } ] });
ok($jobs->wait_state($again, 'succeeded'), 'a re-run succeeds after the failures');
is(slurp("$media/library/alice/fanart.png"), slurp("$dir/cdn/fanart.png"), 'with the same bytes');
ok(alive($worker), 'the worker is running');

# Payload attacks never get queued.
sub one { return { images => [ { url => "$cdn/poster.jpg", path => 'library/x.jpg', @_ } ] } }
my @attacks = (
    [ one(url => 'file:///etc/passwd'), qr/payload\.images\[0\]\.url must be an http/ ],
    [ one(url => 'ftp://127.0.0.1/x.jpg'), qr/payload\.images\[0\]\.url must be an http/ ],
    [ one(url => "http://user:secret\@127.0.0.1:$cdn_port/poster.jpg"), qr/credentials/ ],
    [ one(url => 'http://127.0.0.1/' . ('a' x 2048)), qr/1\.\.2048 bytes/ ],
    [ one(url => "http://127.0.0.1/a b.jpg"), qr/space/ ],
    [ one(path => '../x.jpg'), qr/payload\.images\[0\]\.path: .*'\.\.'/ ],
    [ one(path => '/etc/x.jpg'), qr/payload\.images\[0\]\.path: .*relative/ ],
    [ one(path => 'library/x.html'), qr/must end in \.jpg/ ],
    [ one(extra => 1), qr/unknown field "images\[0\]\.extra"/ ],
    [ { images => [ map { { url => "$cdn/poster.jpg", path => "library/$_.jpg" } } 1 .. 9 ] },
      qr/array of 1\.\.8 images/ ],
    [ { images => [] }, qr/array of 1\.\.8 images/ ],
    [ { images => [ { url => "$cdn/poster.jpg", path => 'a.jpg' }, { url => "$cdn/fanart.png", path => 'a.jpg' } ] },
      qr/images\[1\]\.path is also images\[0\]\.path/ ],
    [ {}, qr/payload\.images is required/ ],
);
$stack->redis('DEL', 'streamvault:rejected');
my @ids = map { $jobs->inject('artwork', $_->[0]) } @attacks;
$jobs->check_rejected(\@attacks, \@ids);
ok(!-e "$dir/x.jpg" && !-e "$media/library/x.jpg", 'nothing was written');

kill 'TERM', $worker;
is($stack->reap($worker, 20), 0, 'the worker stops cleanly (sanitizers found nothing)');
done_testing();
