#!/usr/bin/perl
# make-mmdb.pl OUTDIR — writes the small GeoIP databases the tests use
# (City-like and ASN-like, for the documentation address blocks the samples
# use), with Debian's libmaxmind-db-writer-perl.  Deterministic content.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $dir = shift or die "usage: $0 OUTDIR\n";

my %city_types = (
    city => 'map', country => 'map', names => 'map',
    iso_code => 'utf8_string', en => 'utf8_string', geoname_id => 'uint32',
);
my $city = MaxMind::DB::Writer::Tree->new(
    ip_version => 6, record_size => 24, database_type => 'smtpscope-Test-City',
    languages => ['en'], description => { en => 'smtpscope test City database' },
    map_key_type_callback => sub { $city_types{ $_[0] } },
    remove_reserved_networks => 0,
);
$city->insert_network('198.51.100.0/24', {
    country => { iso_code => 'NL', names => { en => 'Netherlands' } },
    city => { geoname_id => 2759794, names => { en => 'Amsterdam' } } });
$city->insert_network('203.0.113.0/24', {
    country => { iso_code => 'DE', names => { en => 'Germany' } },
    city => { geoname_id => 2950159, names => { en => 'Berlin' } } });
$city->insert_network('2001:db8:1::/48', {
    country => { iso_code => 'FR', names => { en => 'France' } } });

my %asn_types = (autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string');
my $asn = MaxMind::DB::Writer::Tree->new(
    ip_version => 6, record_size => 24, database_type => 'smtpscope-Test-ASN',
    languages => ['en'], description => { en => 'smtpscope test ASN database' },
    map_key_type_callback => sub { $asn_types{ $_[0] } },
    remove_reserved_networks => 0,
);
$asn->insert_network('198.51.100.0/24', { autonomous_system_number => 64500,
    autonomous_system_organization => 'Example Transit B.V.' });
$asn->insert_network('203.0.113.0/24', { autonomous_system_number => 64501,
    autonomous_system_organization => 'Beispiel Hosting GmbH' });

for ([$city, "$dir/test-city.mmdb"], [$asn, "$dir/test-asn.mmdb"]) {
    open my $fh, '>:raw', $_->[1] or die "$_->[1]: $!\n";
    $_->[0]->write_tree($fh);
    close $fh or die "$_->[1]: $!\n";
}
