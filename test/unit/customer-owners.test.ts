import { describe, expect, it } from 'vitest';
import { rememberCustomerOwners } from '../../src/pipeline/customer-owners.js';

/** Stripe's answers by object id, and every question asked. */
function ownersGateway(answers: Record<string, string | null | Error>) {
  const asked: string[] = [];
  return {
    asked,
    customerOf: async (id: string, _type: string): Promise<string | null> => {
      asked.push(id);
      await new Promise((resolve) => setTimeout(resolve, 1));
      const answer = answers[id];
      if (answer instanceof Error) throw answer;
      return answer ?? null;
    },
  };
}

describe('rememberCustomerOwners', () => {
  it('asks Stripe once per object, also when the same object is asked about at once', async () => {
    const gateway = ownersGateway({ pi_1: 'cus_a', in_1: null });
    const customerOf = rememberCustomerOwners(gateway);
    expect(await Promise.all([customerOf('pi_1', 'payment_intent'), customerOf('pi_1', 'payment_intent')])).toEqual(['cus_a', 'cus_a']);
    expect(await customerOf('pi_1', 'payment_intent')).toBe('cus_a');
    expect(await customerOf('in_1', 'invoice')).toBeNull();
    expect(await customerOf('in_1', 'invoice')).toBeNull();
    expect(gateway.asked).toEqual(['pi_1', 'in_1']);
  });

  it('forgets a lookup that failed, so the next question asks again', async () => {
    const answers: Record<string, string | null | Error> = { pi_1: new Error('connection reset') };
    const gateway = ownersGateway(answers);
    const customerOf = rememberCustomerOwners(gateway);
    await expect(customerOf('pi_1', 'payment_intent')).rejects.toThrow('connection reset');
    answers.pi_1 = 'cus_a';
    expect(await customerOf('pi_1', 'payment_intent')).toBe('cus_a');
    expect(gateway.asked).toEqual(['pi_1', 'pi_1']);
  });

  it('remembers at most the given number of objects, forgetting the oldest first', async () => {
    const gateway = ownersGateway({ pi_1: 'cus_a', pi_2: 'cus_b', pi_3: 'cus_c' });
    const customerOf = rememberCustomerOwners(gateway, 2);
    for (const id of ['pi_1', 'pi_2', 'pi_3', 'pi_3', 'pi_2', 'pi_1']) await customerOf(id, 'payment_intent');
    expect(gateway.asked).toEqual(['pi_1', 'pi_2', 'pi_3', 'pi_1']);
  });
});
