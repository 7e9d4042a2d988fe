package StreamVault::EventSub;

# What Twitch does to our EventSub endpoint, for the tests and the
# benchmark: notifications shaped like t/fixtures/twitch (Twitch's samples),
# signed with real HMAC-SHA256 as Twitch signs them; and secrets sealed the
# way the module and the worker seal them (lib/sv_secretbox.h), so a test
# can store one or read one.

use strict;
use warnings;

use Crypt::AuthEnc::GCM ();
use Crypt::Mac::HMAC qw(hmac);
use Crypt::PRNG qw(random_bytes);
use Digest::SHA qw(hmac_sha256_hex);
use Exporter qw(import);
use JSON::PP ();
use MIME::Base64 qw(encode_base64url decode_base64url);
use POSIX qw(strftime);
use Time::HiRes ();
use StreamVault::Test qw(top_dir slurp);

our @EXPORT_OK = qw(seal open_sealed fixture signature signed_headers rfc3339 message_id);

my $json = JSON::PP->new->utf8->canonical;

# The sealing key of a stack's secret file (trailing CR/LF do not count).
sub sealing_key {
    my ($secret_file) = @_;
    my $secret = slurp($secret_file);
    $secret =~ s/[\r\n]+\z//;
    return hmac('SHA256', $secret, 'streamvault secrets at rest v1');
}

# "sv1:" + base64url(nonce || ciphertext || tag), sealed under $name.
sub seal {
    my ($secret_file, $name, $plain) = @_;
    my $nonce = random_bytes(12);
    my ($ct, $tag) = Crypt::AuthEnc::GCM::gcm_encrypt_authenticate(
        'AES', sealing_key($secret_file), $nonce, $name, $plain);
    return 'sv1:' . encode_base64url($nonce . $ct . $tag);
}

# The plaintext of a sealed value, or undef when it does not open.
sub open_sealed {
    my ($secret_file, $name, $sealed) = @_;
    return undef unless defined $sealed && $sealed =~ /^sv1:([A-Za-z0-9_-]+)\z/;
    my $raw = decode_base64url($1);
    return undef if length($raw) < 28;
    my ($nonce, $ct, $tag) = (substr($raw, 0, 12), substr($raw, 12, -16), substr($raw, -16));
    return Crypt::AuthEnc::GCM::gcm_decrypt_verify('AES', sealing_key($secret_file), $nonce,
                                                   $name, $ct, $tag);
}

# A fixture body as a Perl structure, with event fields replaced:
# fixture('stream-online', event => { broadcaster_user_id => '42' }).
sub fixture {
    my ($name, %o) = @_;
    my $body = $json->decode(slurp(top_dir() . "/t/fixtures/twitch/eventsub-$name.json"));
    for my $part (qw(subscription event)) {
        next unless $o{$part};
        $body->{$part}{$_} = $o{$part}{$_} for keys %{ $o{$part} };
    }
    return $body;
}

# Twitch's timestamp: RFC 3339 in UTC with nanoseconds, $offset seconds from now.
sub rfc3339 {
    my ($offset) = @_;
    my $t = Time::HiRes::time() + ($offset // 0);
    return strftime('%Y-%m-%dT%H:%M:%S', gmtime $t) . sprintf('.%09dZ', ($t - int $t) * 1e9);
}

# Twitch-Eventsub-Message-Signature of a delivery, without the "sha256=".
sub signature {
    my ($secret, $id, $timestamp, $raw) = @_;
    return hmac_sha256_hex($id . $timestamp . $raw, $secret);
}

my $messages = 0;
sub message_id {
    return sprintf('%08x-0000-4000-8000-%012x', $$, ++$messages);
}

# The headers of one delivery of $body (a structure or the raw text):
# signed_headers($secret, $body, type => 'notification', id => ..., timestamp => ...,
# subscription_type => ..., version => ...). Returns (\%headers, $raw_body).
sub signed_headers {
    my ($secret, $body, %o) = @_;
    my $raw = ref $body ? $json->encode($body) : $body;
    my $sub = ref $body ? $body->{subscription} // {} : {};
    my $id = $o{id} // message_id();
    my $ts = $o{timestamp} // rfc3339();
    my %h = (
        'Content-Type'                          => 'application/json',
        'Twitch-Eventsub-Message-Id'            => $id,
        'Twitch-Eventsub-Message-Timestamp'     => $ts,
        'Twitch-Eventsub-Message-Signature'     => 'sha256=' . signature($secret, $id, $ts, $raw),
        'Twitch-Eventsub-Message-Type'          => $o{type} // 'notification',
        'Twitch-Eventsub-Subscription-Type'     => $o{subscription_type} // $sub->{type} // 'stream.online',
        'Twitch-Eventsub-Subscription-Version'  => $o{version} // $sub->{version} // '1',
    );
    return (\%h, $raw);
}

1;
