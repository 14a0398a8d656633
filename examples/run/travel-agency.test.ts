import { test } from 'node:test';
import assert from 'node:assert/strict';
import { travelAgency } from './travel-agency.ts';

test('travel-agency: the client loops over quotes until one fits, and the service books it', async () => {
  const trip = await travelAgency(['Kyoto', 'Lima', 'Oslo', 'Lisbon'], 700);
  assert.deepEqual(trip.quotes, [['Kyoto', 1350], ['Lima', 980], ['Oslo', 610]]);
  assert.deepEqual(trip.booked, { destination: 'Oslo', date: '2027-03-14' });
  assert.deepEqual(trip.serviceLog, ['check Kyoto', 'check Lima', 'check Oslo', 'book Oslo']);
});

test('travel-agency: with nothing affordable the client rejects, and the service is told to cancel', async () => {
  const trip = await travelAgency(['Kyoto', 'Lima'], 100);
  assert.equal(trip.booked, undefined);
  assert.deepEqual(trip.serviceLog, ['check Kyoto', 'check Lima', 'cancel']);
});
