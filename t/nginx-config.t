# The drop-in config loads the module into Debian's nginx (nginx -t), and
# every bad directive value is refused at nginx -t time with a message that
# names the directive and the problem.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use StreamVault::Test qw(run_cmd test_dir top_dir spurt free_port slurp);

my $top = top_dir();
my $dir = test_dir();
my $port = free_port();

my $r = run_cmd(["$top/scripts/stack", 'configtest', $dir, '--port', $port]);
is($r->{status}, 0, 'nginx -t accepts the config rendered from conf/') or diag($r->{out} . $r->{err});
like($r->{err}, qr/syntax is ok/, 'syntax is ok');
like($r->{err}, qr/test is successful/, 'test is successful');
like(slurp("$dir/nginx/mod-streamvault.conf"), qr{^load_module \Q$top\E/build/ngx_streamvault_module\.so;$}m,
     'the load_module line names the built module');

my $nginx = (slurp("$top/build/config.mk") =~ /^NGINX_BIN = (.*)$/m)[0] || '/usr/sbin/nginx';
like($nginx, qr{^/usr/sbin/nginx$}, "it is Debian's nginx");

# Renders the drop-in with some values replaced, and runs nginx -t on it.
my %good = (
    LISTEN      => "127.0.0.1:$port",
    SERVER_NAME => 'localhost',
    PG_CONNINFO => "host=$dir/run dbname=streamvault",
    REDIS       => "unix:$dir/run/redis.sock",
    MEDIA_ROOT  => "$dir/media",
    SECRET_FILE => "$dir/secret",
    HTML_ROOT   => "$top/html",
);
sub nginx_t {
    my (%values) = @_;
    my %v = (%good, %values);
    my $snippet = run_cmd(["$top/scripts/render-conf", "$top/conf/streamvault.conf.in",
                           map { "$_=$v{$_}" } sort keys %v]);
    die $snippet->{err} if $snippet->{status};
    spurt("$dir/nginx/streamvault.conf", $snippet->{out});
    return run_cmd([$nginx, '-t', '-p', "$dir/nginx/", '-c', "$dir/nginx/nginx.conf",
                    '-e', "$dir/log/nginx-error.log"]);
}

$r = nginx_t();
is($r->{status}, 0, 'the drop-in with good values passes') or diag($r->{err});

spurt("$dir/short-secret", "0123456789\n", 0600);
spurt("$dir/open-secret", ('x' x 40) . "\n", 0644);
spurt("$dir/not-a-dir", "x");
my @bad = (
    [ { SECRET_FILE => "$dir/short-secret" },   qr/"streamvault_secret_file" .* too short/,         'a short secret' ],
    [ { SECRET_FILE => "$dir/open-secret" },    qr/"streamvault_secret_file" .* world-readable/,    'a world-readable secret' ],
    [ { SECRET_FILE => "$dir/no-such-secret" }, qr/"streamvault_secret_file" .* failed/,            'a missing secret' ],
    [ { MEDIA_ROOT => "$dir/no-such-dir" },     qr/"streamvault_media_root" .* failed/,             'a missing media root' ],
    [ { MEDIA_ROOT => "$dir/not-a-dir" },       qr/"streamvault_media_root" .* not a directory/,    'a media root that is a file' ],
    [ { PG_CONNINFO => 'host=db.example.org dbname=x' }, qr/"streamvault_postgres" host "db\.example\.org" needs a DNS lookup/, 'a PostgreSQL host name' ],
    [ { PG_CONNINFO => 'hostaddr=db.example.org' }, qr/"streamvault_postgres" hostaddr .* not a numeric address/, 'a hostaddr that is a name' ],
    [ { PG_CONNINFO => 'bogus=1' },             qr/"streamvault_postgres" has an invalid conninfo/, 'an unknown conninfo keyword' ],
    [ { REDIS => '127.0.0.1:70000' },           qr/"streamvault_redis" .*in "127\.0\.0\.1:70000"/,  'a Redis port out of range' ],
);
for my $case (@bad) {
    my ($values, $re, $what) = @$case;
    $r = nginx_t(%$values);
    isnt($r->{status}, 0, "$what: nginx -t fails");
    like($r->{err}, qr/\[emerg\] .*$re/, "$what: a clear message") or diag($r->{err});
}

# streamvault_api needs the four settings.
my $snippet = slurp("$top/conf/streamvault.conf.in");
(my $no_pg = $snippet) =~ s/^\s*streamvault_postgres .*\n//m or die;
spurt("$dir/no-pg.conf.in", $no_pg);
my $out = run_cmd(["$top/scripts/render-conf", "$dir/no-pg.conf.in", map { "$_=$good{$_}" } sort keys %good]);
spurt("$dir/nginx/streamvault.conf", $out->{out});
$r = run_cmd([$nginx, '-t', '-p', "$dir/nginx/", '-c', "$dir/nginx/nginx.conf", '-e', "$dir/log/nginx-error.log"]);
isnt($r->{status}, 0, 'streamvault_api without streamvault_postgres fails');
like($r->{err}, qr/\[emerg\] "streamvault_api" requires "streamvault_postgres"/, 'and names the missing directive');

done_testing;
