import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';

/**
 * argon2id at the OWASP-recommended minimum (19 MiB, 2 passes): strong enough for staff
 * passwords and cheap enough that login stays fast on a small machine.
 */
const OPTIONS: argon2.HashOptions = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

@Injectable()
export class PasswordHasher {
  /** Verified when the e-mail is unknown, so both failures take the same time. */
  private readonly decoy = argon2.hash('kanta-decoy-password', OPTIONS);

  hash(password: string): Promise<string> {
    return argon2.hash(password, OPTIONS);
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    try {
      const ok = await argon2.verify(hash ?? (await this.decoy), password);
      return ok && hash !== null;
    } catch {
      return false;
    }
  }
}
