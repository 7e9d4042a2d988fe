package StreamVault::Media;

# Signed media URLs as the module makes them (lib/sv_media_url.h), for the
# tests that forge or check one and the benchmark that needs many; and the
# static anchor the module's media are compared with.

use strict;
use warnings;

use Digest::SHA qw(hmac_sha256);
use Exporter qw(import);
use File::Path qw(make_path);
use MIME::Base64 qw(encode_base64url);
use StreamVault::Test qw(slurp spurt free_port);

our @EXPORT_OK = qw(media_key media_sig media_escape media_url static_anchor);

# HMAC-SHA256(secret file less trailing CR/LF, "streamvault media urls v1").
sub media_key {
    my ($secret_file) = @_;
    my $s = slurp($secret_file) // die "$secret_file: $!";
    $s =~ s/[\r\n]+\z//;
    return hmac_sha256('streamvault media urls v1', $s);
}

# base64url of the first 16 bytes of HMAC(key, "expires\nshare\nscope").
sub media_sig {
    my ($key, $scope, $expires, $share) = @_;
    return encode_base64url(substr(hmac_sha256("$expires\n" . ($share // 0) . "\n$scope", $key), 0, 16));
}

# Percent-encoded as the module (and a browser) encodes a path.
sub media_escape {
    my ($path) = @_;
    return join '/', map { s/([^A-Za-z0-9\-._~])/sprintf '%%%02X', ord $1/ger } split m{/}, $path, -1;
}

# /media/<expires>/<share>/<sig>/<path> for a file of scope.
sub media_url {
    my ($key, $scope, $path, $expires, $share) = @_;
    return "/media/$expires/" . ($share // 0) . '/' . media_sig($key, $scope, $expires, $share) . '/'
           . media_escape($path);
}

# nginx's own static module on the same media root: a server of the (not
# yet started) $stack's nginx, server_tokens off as ours. %alias adds a
# location per prefix => folder. Returns the URL of the media root there.
sub static_anchor {
    my ($stack, %alias) = @_;
    my $dir = $stack->dir;
    my $port = free_port();
    $alias{static} = "$dir/media";
    my $locations = join '', map { "    location /$_/ {\n        alias $alias{$_}/;\n    }\n" }
                          'static', grep { $_ ne 'static' } sort keys %alias;
    make_path("$dir/nginx/extra");
    spurt("$dir/nginx/extra/static.conf",
          "server {\n    listen 127.0.0.1:$port;\n    server_tokens off;\n$locations}\n");
    return "http://127.0.0.1:$port/static";
}

1;
