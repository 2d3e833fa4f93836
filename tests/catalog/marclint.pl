#!/usr/bin/perl
# MARC::Lint over an ISO 2709 file (Debian libmarc-lint-perl), for the export tests.
# Prints one line per warning: "<record number>\t<warning>", and nothing for a clean
# record. Records are read as raw bytes (UTF-8 exports carry leader/09 "a").
use strict;
use warnings;
use MARC::Batch;
use MARC::Lint;

binmode STDOUT, ':encoding(UTF-8)';
my $file = shift or die "usage: marclint.pl FILE\n";
my $batch = MARC::Batch->new( 'USMARC', $file );
$batch->strict_off();
$batch->warnings_off();
my $lint = MARC::Lint->new();
my $n = 0;
while ( my $record = $batch->next() ) {
    $n++;
    # MARC::Lint dies on some values (Business::ISBN on a 10-character 020 $z): that
    # record's check ends there and counts as one warning.
    if ( !eval { $lint->check_record($record); 1 } ) {
        my ($reason) = split /\n/, $@;
        print "$n\tMARC::Lint stopped: $reason\n";
        next;
    }
    print "$n\t$_\n" for $lint->warnings();
}
print STDERR "records: $n\n";
