package StreamVault::TwitchStack;

# A stack whose worker talks to fakes of Twitch on loopback: the fake Twitch
# (GQL, usher, live HLS) records from, the fake Helix resolves logins and
# creates EventSub subscriptions, verifying their callback through nginx's
# /eventsub like Twitch does. Once the subscriptions are enabled, deliver()
# sends EventSub notifications signed with the secret the worker gave Helix.
#
#   my $t = StreamVault::TwitchStack->new(channels => { cool_user => { script => [...] } });
#   $t->stack->start;                   # (env set up for the fakes)
#   $t->helix_knows_cool_user;         # or $t->helix->set(users => {...})
#   $t->enable_twitch($session);        # PUT /api/settings: app, user token, public URL
#   my $secret = $t->eventsub_secret;   # waits for the subscriptions
#   $t->deliver(fixture('stream-online', event => {...}));

use strict;
use warnings;

use StreamVault::EventSub qw(signed_headers);
use StreamVault::FakeHelix;
use StreamVault::FakeTwitch;
use StreamVault::Test qw(http wait_for);

my $CLIENT_ID = 'e2eclientid0123456789';
my $CLIENT_SECRET = 'e2eclientsecret0123456789';
my $USER_TOKEN = 'e2euser0123456789abcdefghij';

sub new {
    my ($class, %o) = @_;
    my $tw = StreamVault::FakeTwitch->new(segment_duration => 1, backlog => 2, channels => $o{channels});
    my $stack = StreamVault::Test::stack_object();
    my $helix = StreamVault::FakeHelix->new(client_id => $CLIENT_ID, client_secret => $CLIENT_SECRET,
                                            callback_base => $stack->url);
    %{ $stack->env } = (%{ $stack->env },
        STREAMVAULT_TWITCH_HELIX_URL => $helix->helix_url,
        STREAMVAULT_TWITCH_ID_URL    => $helix->id_url,
        STREAMVAULT_TWITCH_GQL_URL   => $tw->gql_url,
        STREAMVAULT_TWITCH_USHER_URL => $tw->url);
    return bless { tw => $tw, stack => $stack, helix => $helix }, $class;
}

sub tw    { $_[0]{tw} }
sub stack { $_[0]{stack} }
sub helix { $_[0]{helix} }
sub user_token { $USER_TOKEN }

# The settings that turn the Twitch service on, set by admin session $as;
# returns the API's answer.
sub enable_twitch {
    my ($self, $as) = @_;
    return $self->{stack}->api('PUT', '/api/settings', as => $as, json => {
        'twitch.client_id' => $CLIENT_ID, 'twitch.client_secret' => $CLIENT_SECRET,
        'twitch.user_token' => "oauth:$USER_TOKEN", public_base_url => 'https://sv.example.org' });
}

# Helix knows the channel cool_user: id 1337, display name Cool_User,
# titled "Opening title" in Just Chatting.
sub helix_knows_cool_user {
    my ($self) = @_;
    $self->{helix}->set(
        users => { cool_user => { id => '1337', login => 'cool_user', display_name => 'Cool_User', type => '',
                                  broadcaster_type => 'affiliate', description => 'Plays games.',
                                  profile_image_url => '', offline_image_url => '', view_count => 0,
                                  created_at => '2019-05-01T00:00:00Z' } },
        channels => { 1337 => { title => 'Opening title', game_id => '509658', game_name => 'Just Chatting' } });
}

# The subscriptions Helix holds that are enabled (verified through /eventsub).
sub enabled_subs {
    my ($self) = @_;
    return grep { $_->{status} eq 'enabled' } @{ $self->{helix}->subs };
}

# Waits up to $seconds for the three subscriptions (stream.online,
# stream.offline, channel.update) to be enabled; returns the secret the
# worker gave them, or undef.
sub eventsub_secret {
    my ($self, $seconds) = @_;
    wait_for(sub { my @s = $self->enabled_subs; @s == 3 }, $seconds // 30) or return undef;
    my ($one) = $self->enabled_subs;
    return $self->{secret} = $self->{helix}->secret_of($one->{id});
}

# POSTs an EventSub message body to /eventsub, signed with the secret
# (options as StreamVault::EventSub::signed_headers); returns HTTP::Tiny's
# answer.
sub deliver {
    my ($self, $body, %o) = @_;
    my $secret = $self->{secret} // die "deliver: no EventSub secret yet (call eventsub_secret)\n";
    my ($h, $raw) = signed_headers($secret, $body, %o);
    return http()->request('POST', $self->{stack}->url . '/eventsub', { headers => $h, content => $raw });
}

1;
