# The production files: docker compose accepts the compose file, and the
# image is built with the project's own configure and make.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use StreamVault::Test qw(run_cmd top_dir slurp);

my $top = top_dir();

my $r = run_cmd(['docker-compose', '-f', "$top/docker/docker-compose.yml", 'config']);
is($r->{status}, 0, 'docker-compose accepts docker/docker-compose.yml') or diag($r->{err});
for my $service (qw(nginx worker postgres redis)) {
    like($r->{out}, qr/^  \Q$service\E:\n(?:    .*\n|\n)*?    healthcheck:/m,
         "service $service has a health check");
}
like($r->{out}, qr/image: postgres:15/, 'PostgreSQL 15');
like($r->{out}, qr/image: redis:7/, 'Redis 7');

my $dockerfile = slurp("$top/docker/Dockerfile");
like($dockerfile, qr/^FROM debian:bookworm AS build/m, 'multi-stage, Debian bookworm');
like($dockerfile, qr/\.\/configure --install-deps=build/, 'built with configure');
like($dockerfile, qr/configure --print-deps=runtime/, 'runtime packages from the one list');

my $deps = run_cmd(["$top/configure", '--print-deps=runtime']);
is($deps->{status}, 0, 'configure lists the runtime packages');
like($deps->{out}, qr/\bnginx\b/, 'the runtime image gets nginx');

done_testing;
